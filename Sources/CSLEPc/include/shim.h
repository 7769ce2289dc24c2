// CSLEPc: SLEPc (eigensolvers) over PETSc (distributed sparse matrices, MUMPS
// factorizations), Debian's real double-precision build with 32-bit indices.
// Swift sees the library's functions directly; the macros it needs come
// through the prefixed inline getters below (qgslepc_*), so that no macro
// value is spelled out in Swift.
#ifndef QGLASS_CSLEPC_SHIM_H
#define QGLASS_CSLEPC_SHIM_H
#include <slepceps.h>

static inline PetscInt qgslepc_decide(void) { return PETSC_DECIDE; }
static inline PetscInt qgslepc_default(void) { return PETSC_DEFAULT; }
static inline MPI_Comm qgslepc_comm_self(void) { return MPI_COMM_SELF; }
/// Sets PETSC_COMM_WORLD (allowed only before SlepcInitialize).
static inline void qgslepc_set_petsc_comm_world(MPI_Comm c) { PETSC_COMM_WORLD = c; }
static inline const char *qgslepc_st_sinvert(void) { return STSINVERT; }
static inline const char *qgslepc_st_filter(void) { return STFILTER; }
static inline const char *qgslepc_eps_krylovschur(void) { return EPSKRYLOVSCHUR; }
static inline const char *qgslepc_ksp_preonly(void) { return KSPPREONLY; }
static inline const char *qgslepc_pc_lu(void) { return PCLU; }
static inline const char *qgslepc_pc_cholesky(void) { return PCCHOLESKY; }
static inline const char *qgslepc_solver_mumps(void) { return MATSOLVERMUMPS; }

#endif
