// CMPI: thin C shim over Open MPI. No logic here: only getters for the
// predefined handles, which are macros that Swift cannot import.
#ifndef QGLASS_CMPI_SHIM_H
#define QGLASS_CMPI_SHIM_H
#include <mpi.h>

// MPI_COMM_WORLD expands to a cast of a global's address (not importable).
static inline MPI_Comm cmpi_comm_world(void) { return MPI_COMM_WORLD; }
// MPI_INFO_NULL: same reason.
static inline MPI_Info cmpi_info_null(void) { return MPI_INFO_NULL; }
// MPI_ERRORS_RETURN: same reason.
static inline MPI_Errhandler cmpi_errors_return(void) { return MPI_ERRORS_RETURN; }
// Predefined datatypes (MPI_DOUBLE, ...): casts of globals' addresses.
static inline MPI_Datatype cmpi_double(void) { return MPI_DOUBLE; }
static inline MPI_Datatype cmpi_int64(void) { return MPI_INT64_T; }
static inline MPI_Datatype cmpi_uint8(void) { return MPI_UINT8_T; }
static inline MPI_Datatype cmpi_int32(void) { return MPI_INT32_T; }
// Predefined reduction ops (MPI_SUM, ...): casts of globals' addresses.
static inline MPI_Op cmpi_op_sum(void) { return MPI_SUM; }
static inline MPI_Op cmpi_op_max(void) { return MPI_MAX; }
static inline MPI_Op cmpi_op_min(void) { return MPI_MIN; }
// MPI_REQUEST_NULL / MPI_STATUS_IGNORE: casts, not importable.
static inline MPI_Request cmpi_request_null(void) { return MPI_REQUEST_NULL; }
static inline MPI_Status *cmpi_status_ignore(void) { return MPI_STATUS_IGNORE; }
// MPI_IN_PLACE: a cast of an integer to a pointer.
static inline void *cmpi_in_place(void) { return MPI_IN_PLACE; }
// MPI_COMM_TYPE_SHARED is an enum/int macro; a getter keeps the Swift side uniform.
static inline int cmpi_comm_type_shared(void) { return MPI_COMM_TYPE_SHARED; }
static inline int cmpi_max_error_string(void) { return MPI_MAX_ERROR_STRING; }
static inline int cmpi_mode_nocheck(void) { return MPI_MODE_NOCHECK; }
#endif
