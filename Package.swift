// swift-tools-version:6.0
// qglass: distributed exact diagonalization and classical toolkits for disordered
// quantum spin glasses. Layers (bottom to top; docs/design.md, "Layers"):
//   C shims (CMPI, CLinearAlgebra, CScaLAPACK, CHDF5, CSLEPc): modulemap + shim.h, no Swift
//   -> typed wrappers (QGMPI, QGLinearAlgebra, QGDistributedLinearAlgebra, QGHDF5, QGSLEPc):
//      the only Swift that calls C, one Raw.swift per library, every return code checked;
//      QGLinearAlgebra is serial BLAS/LAPACK (no MPI), QGDistributedLinearAlgebra BLACS/ScaLAPACK
//   -> pure-Swift numerics (QGNumerics: quadratures, fits, hashing; no dependencies)
//   -> pure-Swift physics (QGPhysics; its operator's inner loop in QGKernels, always built with -O)
//   -> generic ED (QGED): serial LAPACK or a ScaLAPACK group, SLEPc or polfed
//      mid-spectrum; owns the solver policy and the scoped SLEPc runtime
//   -> generic campaign driver + studies (QGCampaign; no SLEPc of its own)
//   -> reducers, one per study (QGReduce)
//   -> umbrella (QGlass) -> CLI (qglass)
// MPI: Open MPI only (the communicator reaches BLACS and parallel HDF5 as
// Open MPI's MPI_Comm pointer; an MPICH port changes QGMPI's bridge).
import PackageDescription

let package = Package(
    name: "qglass",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "qglass", targets: ["qglass"]),
        .library(name: "QGlass", targets: ["QGlass"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/LebJe/TOMLKit", from: "0.6.0"),
    ],
    targets: [
        // MARK: C shims, one per library, no Swift inside.
        .systemLibrary(
            name: "CMPI", path: "Sources/CMPI",
            pkgConfig: "ompi-c",
            providers: [.apt(["libopenmpi-dev"])]),
        .systemLibrary(
            name: "CLinearAlgebra", path: "Sources/CLinearAlgebra",
            pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(
            name: "CScaLAPACK", path: "Sources/CScaLAPACK",
            pkgConfig: "scalapack-openmpi",
            providers: [.apt(["libscalapack-openmpi-dev", "libopenblas-dev"])]),
        .systemLibrary(
            name: "CHDF5", path: "Sources/CHDF5",
            pkgConfig: "hdf5-openmpi",
            providers: [.apt(["libhdf5-openmpi-dev"])]),
        .systemLibrary(
            name: "CSLEPc", path: "Sources/CSLEPc",
            pkgConfig: "slepc",
            providers: [.apt(["libslepc-real3.18-dev", "libpetsc-real3.18-dev"])]),

        // MARK: Typed Swift wrappers.
        .target(name: "QGMPI", dependencies: ["CMPI"]),
        .target(name: "QGLinearAlgebra", dependencies: ["CLinearAlgebra"]),
        .target(name: "QGDistributedLinearAlgebra", dependencies: ["CScaLAPACK", "QGMPI", "QGLinearAlgebra"]),
        .target(name: "QGHDF5", dependencies: ["CHDF5", "QGMPI"]),
        .target(name: "QGSLEPc", dependencies: ["CSLEPc", "QGMPI"]),

        // MARK: Numerics: pure Swift, no dependencies (quadratures, fits, statistics, grids, Page entropy, SHA-256, TOML escaping).
        .target(name: "QGNumerics"),

        // MARK: Physics: pure Swift (dense BLAS/LAPACK kernels only; links no MPI: Tests/Python/test_layers.py).
        .target(name: "QGPhysics", dependencies: ["QGLinearAlgebra", "QGNumerics", "QGKernels"]),
        // The sector operator's SIMD inner loop, optimized in debug builds too (Sources/QGKernels/FlipKernels.swift).
        .target(name: "QGKernels", swiftSettings: [.unsafeFlags(["-O"])]),

        // MARK: Generic ED over any SectorHamiltonian (serial LAPACK or ScaLAPACK group; SLEPc or polfed
        // mid-spectrum) and the solver policy (auto, cost and memory models, scoped SLEPc runtime).
        .target(name: "QGED", dependencies: ["QGMPI", "QGLinearAlgebra", "QGDistributedLinearAlgebra", "QGNumerics", "QGPhysics", "QGSLEPc"]),

        // MARK: Campaign driver and studies.
        .target(name: "QGCampaign", dependencies: [
            "QGMPI", "QGLinearAlgebra", "QGDistributedLinearAlgebra", "QGHDF5", "QGNumerics", "QGPhysics", "QGED",
            .product(name: "TOMLKit", package: "TOMLKit"),
        ], plugins: ["StudyRegistryPlugin"]),
        // The study registry, generated at build time: `StudyRegistry.all` is written by
        // study-registry-gen, run by the build-tool plugin over QGCampaign's Studies/*.swift,
        // from one `// @RegisteredStudy(Type, order: N)` line per study (docs/adding-a-study.md).
        .executableTarget(name: "study-registry-gen", path: "Sources/study-registry-gen"),
        .plugin(name: "StudyRegistryPlugin", capability: .buildTool(), dependencies: ["study-registry-gen"]),
        // MARK: Reducer: merge campaign files, disorder averages, finite-size fits.
        .target(name: "QGReduce", dependencies: ["QGMPI", "QGHDF5", "QGNumerics", "QGPhysics", "QGCampaign"]),
        .target(name: "QGlass", dependencies: ["QGMPI", "QGLinearAlgebra", "QGDistributedLinearAlgebra", "QGHDF5", "QGNumerics", "QGPhysics", "QGCampaign", "QGReduce"]),
        .executableTarget(name: "qglass", dependencies: [
            "QGlass",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),

        // MARK: Tests.
        // Run under mpirun by QGMPITests: exercises the wrappers on 1-4 ranks.
        .executableTarget(name: "qglass-mpi-selftest", dependencies: ["QGMPI", "QGLinearAlgebra", "QGDistributedLinearAlgebra", "QGHDF5", "QGPhysics", "QGED"], path: "Tests/MPISelfTest"),
        .target(name: "QGTestSupport", dependencies: ["QGPhysics", "QGLinearAlgebra"], path: "Tests/QGTestSupport"),
        .testTarget(name: "QGNumericsTests", dependencies: ["QGNumerics"]),
        .testTarget(name: "QGPhysicsTests", dependencies: ["QGPhysics", "QGLinearAlgebra", "QGNumerics", "QGTestSupport"]),
        .testTarget(name: "QGEDTests", dependencies: ["QGED", "QGPhysics", "QGLinearAlgebra", "QGNumerics", "QGTestSupport"]),
        .testTarget(name: "QGCampaignTests", dependencies: ["QGCampaign", "QGTestSupport"]),
        .testTarget(name: "QGMPITests", dependencies: ["QGTestSupport", "QGHDF5", "QGMPI"]),
        .testTarget(name: "QGReduceTests", dependencies: ["QGReduce", "QGPhysics", "QGTestSupport"]),
    ]
)
