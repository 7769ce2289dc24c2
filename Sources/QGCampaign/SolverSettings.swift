import QGED

extension CampaignSettings {
    /// The `[campaign]` solver keys as the dense-ED layer takes them
    /// (drivers and ScaLAPACK block size; the study sets check_eigenpairs).
    public var denseED: DenseEDSettings {
        var s = DenseEDSettings()
        s.lapackDriver = lapackDriver
        s.scalapackDriver = scalapackDriver
        s.complexLapackDriver = complexLapackDriver
        s.complexScalapackDriver = complexScalapackDriver
        s.blockSize = blockSize
        return s
    }
}
