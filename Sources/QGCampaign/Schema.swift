import QGHDF5

/// Which campaign files `qglass reduce` accepts (docs/hdf5-schema.md,
/// "Schema versions").
public enum InputSchema {
    /// Schema versions of campaign files the reducers accept: only the
    /// current one. Schema 1 drew the disorder of S1 per (alpha, h_x) point and
    /// that of the classical studies per (L, alpha, boundary); schema 2 keys it
    /// by (seed, study, L, realization). Mixing them would pool independent and
    /// correlated samples of the same realization index, so old files are
    /// refused rather than silently combined.
    public static let accepted: [Int64] = [Provenance.schemaVersion]

    /// Local: throws `CampaignError` naming the file when its schema version
    /// is not accepted.
    public static func check(_ f: HDF5File) throws {
        let v = (try? f.numericAttribute("schema_version", as: Int64.self).first) ?? nil
        guard let v, accepted.contains(v) else {
            throw CampaignError("\(f.path): schema version \(v.map(String.init) ?? "missing"); this qglass reduces schema "
                                + accepted.map(String.init).joined(separator: ", ")
                                + (v == 1 ? " (schema 1 drew the disorder per parameter point; rerun the campaign with this qglass)" : ""))
        }
    }
}
