"""The C-call confinement rule (docs/design.md, "Layers"): each C library is
called from one file, the Raw.swift of its wrapper module, and no C type
appears in a public (or package) Swift declaration of any module."""
import pathlib
import re

ROOT = pathlib.Path(__file__).resolve().parents[2]
SOURCES = ROOT / "Sources"
WRAPPERS = {"CMPI": "QGMPI", "CLinearAlgebra": "QGLinearAlgebra", "CScaLAPACK": "QGDistributedLinearAlgebra", "CHDF5": "QGHDF5", "CSLEPc": "QGSLEPc"}
C_TYPES = re.compile(r"\b(hid_t|herr_t|htri_t|hsize_t|H5[A-Z]\w*_t|MPI_(Comm|Datatype|Op|Win|Request|Info|Aint|Status)"
                     r"|Mat|Vec|EPS|ST|KSP|PC|PetscInt|PetscErrorCode|PetscScalar|PetscReal|EPSWhich)\b")
C_CALL = re.compile(r"\b(H5[A-Z][a-z]?[a-z_]*\w*|MPI_[A-Z][a-z_]+|(Mat|Vec|EPS|ST|KSP|PC|Petsc|Slepc)[A-Z]\w*)\s*\(")


def swift_files():
    return sorted(SOURCES.rglob("*.swift"))


def test_only_raw_swift_imports_a_c_module():
    for path in swift_files():
        for module in WRAPPERS:
            if re.search(rf"^\s*import\s+{module}\b", path.read_text(), re.M):
                assert path == SOURCES / WRAPPERS[module] / "Raw.swift", f"{path.relative_to(ROOT)} imports {module}"


def test_no_raw_c_call_outside_raw_swift():
    for path in swift_files():
        if path.name == "Raw.swift":
            continue
        for n, line in enumerate(path.read_text().splitlines(), 1):
            code = line.split("//", 1)[0]
            code = re.sub(r'"[^"]*"', '""', code)  # routine names inside messages are text
            assert not C_CALL.search(code), f"{path.relative_to(ROOT)}:{n}: {line.strip()}"


def test_no_c_type_in_public_declarations():
    for path in swift_files():
        for n, line in enumerate(path.read_text().splitlines(), 1):
            code = line.split("//", 1)[0]
            # Protocol requirements ("{ get }") are as public as their protocol.
            if re.search(r"\b(public|package|open)\b|\{\s*get\b", code):
                assert not C_TYPES.search(code), f"{path.relative_to(ROOT)}:{n}: {line.strip()}"
