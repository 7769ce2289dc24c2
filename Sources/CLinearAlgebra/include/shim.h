// CLinearAlgebra: prototypes for BLAS and LAPACK (OpenBLAS), serial, no MPI.
// We avoid cblas/lapacke so that exactly the Fortran entry points ScaLAPACK
// also calls are used. Fortran routines take every argument by reference;
// CHARACTER arguments are followed by hidden length arguments (size_t,
// gfortran ABI) at the end of the list. BLACS, ScaLAPACK and PBLAS (over MPI)
// are declared in CScaLAPACK.
#ifndef QGLASS_CLINEARALGEBRA_SHIM_H
#define QGLASS_CLINEARALGEBRA_SHIM_H
#include <stddef.h>

// ---- OpenBLAS control ----
void openblas_set_num_threads(int num_threads);
int openblas_get_num_threads(void);
char *openblas_get_corename(void);
char *openblas_get_config(void);

// ---- BLAS ----
void dgemm_(const char *transa, const char *transb, const int *m, const int *n, const int *k,
            const double *alpha, const double *a, const int *lda, const double *b, const int *ldb,
            const double *beta, double *c, const int *ldc, size_t la, size_t lb);
void dgemv_(const char *trans, const int *m, const int *n, const double *alpha, const double *a,
            const int *lda, const double *x, const int *incx, const double *beta, double *y,
            const int *incy, size_t lt);

// ---- LAPACK: symmetric eigensolvers ----
void dsyevd_(const char *jobz, const char *uplo, const int *n, double *a, const int *lda, double *w,
             double *work, const int *lwork, int *iwork, const int *liwork, int *info,
             size_t ljobz, size_t luplo);
void dsyevr_(const char *jobz, const char *range, const char *uplo, const int *n, double *a,
             const int *lda, const double *vl, const double *vu, const int *il, const int *iu,
             const double *abstol, int *m, double *w, double *z, const int *ldz, int *isuppz,
             double *work, const int *lwork, int *iwork, const int *liwork, int *info,
             size_t ljobz, size_t lrange, size_t luplo);
double dlamch_(const char *cmach, size_t lc);

// ---- Complex Hermitian (COMPLEX*16 passed as interleaved re/im doubles) ----
void zgemm_(const char *transa, const char *transb, const int *m, const int *n, const int *k,
            const double *alpha, const double *a, const int *lda, const double *b, const int *ldb,
            const double *beta, double *c, const int *ldc, size_t la, size_t lb);
void zheevd_(const char *jobz, const char *uplo, const int *n, double *a, const int *lda, double *w,
             double *work, const int *lwork, double *rwork, const int *lrwork, int *iwork,
             const int *liwork, int *info, size_t ljobz, size_t luplo);
void zheevr_(const char *jobz, const char *range, const char *uplo, const int *n, double *a,
             const int *lda, const double *vl, const double *vu, const int *il, const int *iu,
             const double *abstol, int *m, double *w, double *z, const int *ldz, int *isuppz,
             double *work, const int *lwork, double *rwork, const int *lrwork, int *iwork,
             const int *liwork, int *info, size_t ljobz, size_t lrange, size_t luplo);
#endif
