// CHDF5: thin C shim over parallel HDF5 (Debian's libhdf5-openmpi-dev).
// Only getters for macros that Swift cannot import (they expand to a call of
// H5open() followed by a global, or to expressions with casts).
#ifndef QGLASS_CHDF5_SHIM_H
#define QGLASS_CHDF5_SHIM_H
#include <hdf5.h>

// Native memory types: H5T_NATIVE_* expand to (H5OPEN H5T_NATIVE_*_g).
static inline hid_t chdf5_native_double(void) { return H5T_NATIVE_DOUBLE; }
static inline hid_t chdf5_native_int64(void) { return H5T_NATIVE_INT64; }
static inline hid_t chdf5_native_int8(void) { return H5T_NATIVE_INT8; }
static inline hid_t chdf5_native_uint8(void) { return H5T_NATIVE_UINT8; }
// Standard file types (little-endian on disk regardless of host).
static inline hid_t chdf5_ieee_f64le(void) { return H5T_IEEE_F64LE; }
static inline hid_t chdf5_std_i64le(void) { return H5T_STD_I64LE; }
static inline hid_t chdf5_std_i8le(void) { return H5T_STD_I8LE; }
static inline hid_t chdf5_std_u8le(void) { return H5T_STD_U8LE; }
static inline hid_t chdf5_c_s1(void) { return H5T_C_S1; }
// File access flags: H5F_ACC_* expand to (H5CHECK H5OPEN 0x000Nu).
static inline unsigned chdf5_acc_trunc(void) { return H5F_ACC_TRUNC; }
static inline unsigned chdf5_acc_excl(void) { return H5F_ACC_EXCL; }
static inline unsigned chdf5_acc_rdwr(void) { return H5F_ACC_RDWR; }
static inline unsigned chdf5_acc_rdonly(void) { return H5F_ACC_RDONLY; }
// Property list classes: H5P_* expand to (H5OPEN H5P_CLS_*_ID_g).
static inline hid_t chdf5_p_file_access(void) { return H5P_FILE_ACCESS; }
static inline hid_t chdf5_p_dataset_xfer(void) { return H5P_DATASET_XFER; }
static inline hid_t chdf5_p_dataset_create(void) { return H5P_DATASET_CREATE; }
static inline hid_t chdf5_p_link_create(void) { return H5P_LINK_CREATE; }
static inline hid_t chdf5_p_default(void) { return H5P_DEFAULT; }
static inline size_t chdf5_variable(void) { return H5T_VARIABLE; }
// Parallel setup. MPI_Comm / MPI_Info are passed as the opaque pointers
// Open MPI uses for them, so the Swift side never names an MPI type here.
// MPI_INFO_NULL is a cast of a global's address, so it is supplied here.
static inline herr_t chdf5_set_fapl_mpio(hid_t fapl, void *comm) {
    return H5Pset_fapl_mpio(fapl, (MPI_Comm)comm, MPI_INFO_NULL);
}
static inline herr_t chdf5_set_dxpl_independent(hid_t dxpl) {
    return H5Pset_dxpl_mpio(dxpl, H5FD_MPIO_INDEPENDENT);
}
static inline herr_t chdf5_set_dxpl_collective(hid_t dxpl) {
    return H5Pset_dxpl_mpio(dxpl, H5FD_MPIO_COLLECTIVE);
}
// H5Eset_auto2(H5E_DEFAULT, NULL, NULL): H5E_DEFAULT is a macro cast.
static inline herr_t chdf5_silence_errors(void) { return H5Eset_auto2(H5E_DEFAULT, NULL, NULL); }
static inline hid_t chdf5_e_default(void) { return H5E_DEFAULT; }
#endif
