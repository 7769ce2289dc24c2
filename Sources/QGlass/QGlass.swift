// Umbrella module: re-exports every layer of qglass.
@_exported import QGMPI
@_exported import QGLinearAlgebra
@_exported import QGDistributedLinearAlgebra
@_exported import QGHDF5
@_exported import QGNumerics
@_exported import QGPhysics
@_exported import QGCampaign
@_exported import QGReduce
