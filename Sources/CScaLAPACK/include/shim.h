// CScaLAPACK: prototypes for BLACS, ScaLAPACK and PBLAS (over Open MPI).
// ScaLAPACK ships no C header. Fortran routines take every argument by
// reference; CHARACTER arguments are followed by hidden length arguments
// (size_t, gfortran ABI) at the end of the list. The serial BLAS and LAPACK
// are declared in CLinearAlgebra.
#ifndef QGLASS_CSCALAPACK_SHIM_H
#define QGLASS_CSCALAPACK_SHIM_H
#include <stddef.h>

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
