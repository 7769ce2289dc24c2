// CLinearAlgebra: prototypes for BLAS, LAPACK (OpenBLAS), BLACS and ScaLAPACK/PBLAS.
// ScaLAPACK ships no C header, and we avoid cblas/lapacke so that exactly the
// Fortran entry points used by ScaLAPACK are called. Fortran routines take
// every argument by reference; CHARACTER arguments are followed by hidden
// length arguments (size_t, gfortran ABI) at the end of the list.
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

// ---- BLACS (C interface) ----
int Csys2blacs_handle(void *sys_ctxt);            // sys_ctxt: an MPI_Comm (opaque pointer in Open MPI)
void Cfree_blacs_system_handle(int handle);
void Cblacs_gridinit(int *context, const char *order, int nprow, int npcol);
void Cblacs_gridinfo(int context, int *nprow, int *npcol, int *myrow, int *mycol);
void Cblacs_gridexit(int context);
void Cblacs_pinfo(int *mypnum, int *nprocs);

// ---- ScaLAPACK tools ----
int numroc_(const int *n, const int *nb, const int *iproc, const int *isrcproc, const int *nprocs);
void descinit_(int *desc, const int *m, const int *n, const int *mb, const int *nb, const int *irsrc,
               const int *icsrc, const int *ictxt, const int *lld, int *info);

// ---- ScaLAPACK eigensolvers ----
void pdsyevd_(const char *jobz, const char *uplo, const int *n, double *a, const int *ia, const int *ja,
              const int *desca, double *w, double *z, const int *iz, const int *jz, const int *descz,
              double *work, const int *lwork, int *iwork, const int *liwork, int *info,
              size_t ljobz, size_t luplo);
void pdsyevr_(const char *jobz, const char *range, const char *uplo, const int *n, double *a,
              const int *ia, const int *ja, const int *desca, const double *vl, const double *vu,
              const int *il, const int *iu, int *m, int *nz, double *w, double *z, const int *iz,
              const int *jz, const int *descz, double *work, const int *lwork, int *iwork,
              const int *liwork, int *info, size_t ljobz, size_t lrange, size_t luplo);

// ---- PBLAS ----
void pdgemm_(const char *transa, const char *transb, const int *m, const int *n, const int *k,
             const double *alpha, const double *a, const int *ia, const int *ja, const int *desca,
             const double *b, const int *ib, const int *jb, const int *descb, const double *beta,
             double *c, const int *ic, const int *jc, const int *descc, size_t la, size_t lb);
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
void pzheevr_(const char *jobz, const char *range, const char *uplo, const int *n, double *a,
              const int *ia, const int *ja, const int *desca, const double *vl, const double *vu,
              const int *il, const int *iu, int *m, int *nz, double *w, double *z, const int *iz,
              const int *jz, const int *descz, double *work, const int *lwork, double *rwork,
              const int *lrwork, int *iwork, const int *liwork, int *info,
              size_t ljobz, size_t lrange, size_t luplo);
void pzheevd_(const char *jobz, const char *uplo, const int *n, double *a, const int *ia, const int *ja,
              const int *desca, double *w, double *z, const int *iz, const int *jz, const int *descz,
              double *work, const int *lwork, double *rwork, const int *lrwork, int *iwork,
              const int *liwork, int *info, size_t ljobz, size_t luplo);
void pzgemm_(const char *transa, const char *transb, const int *m, const int *n, const int *k,
             const double *alpha, const double *a, const int *ia, const int *ja, const int *desca,
             const double *b, const int *ib, const int *jb, const int *descb, const double *beta,
             double *c, const int *ic, const int *jc, const int *descc, size_t la, size_t lb);
#endif
