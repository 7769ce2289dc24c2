import Foundation
import QGHDF5

/// The end-of-run summary that world rank 0 prints after a finished campaign
/// (`Campaign.runCampaign`), the same for every study and derived from its
/// declarations alone: per output block (`Study.blocks`) and parameter point
/// (`Study.tasks`), the realizations done out of those planned (the driver's
/// `done` flags), and the worst |value| over the done rows of each of the
/// block's check columns (`DatasetSpec.isCheck`). It averages nothing: the
/// disorder averages, windows and fits are the reducer's (`qglass reduce`),
/// which the closing line names.
public enum RunSummary {
    /// One row of the summary: a point of one block.
    struct Row {
        var block: String
        /// The point's parameters, named as the study's grid names them (`pointParameters`).
        var parameters: [(name: String, value: String)]
        var done: Int
        var planned: Int
        /// Per check column of the block: its name and the worst |value| over
        /// the point's done rows (nil when none is done; NaN when one is NaN).
        var checks: [(name: String, worst: Double?)]
    }

    /// Local: the summary of `file`, written by `study` at `output`.
    public static func text(study: any Study, file: HDF5File, output: String) throws -> String {
        render(try rows(study: study, file: file), study: type(of: study).name, output: output)
    }

    /// Local: the rows of `file`, block by block, each block's points in task order.
    static func rows(study: any Study, file: HDF5File) throws -> [Row] {
        let blocks = study.blocks
        let tasksOfBlock = Dictionary(grouping: study.tasks, by: \.block)
        let parameters = pointParameters(study)
        var out: [Row] = []
        for (b, block) in blocks.enumerated() {
            let done = try file.openDataset(block.path + "/done").readAll(as: UInt8.self)
            let checks = block.datasets.filter(\.isCheck)
            let values = try checks.map { try file.openDataset(block.path + "/" + $0.name).readAll(as: Double.self) }
            var order: [Int] = [], rowsOfPoint: [Int: [Int]] = [:]
            for t in tasksOfBlock[b] ?? [] {
                if rowsOfPoint[t.point] == nil { order.append(t.point) }
                rowsOfPoint[t.point, default: []].append(t.row)
            }
            for p in order {
                let rows = rowsOfPoint[p]!, doneRows = rows.filter { done[$0] == 1 }
                let worst: [(name: String, worst: Double?)] = checks.indices.map { c in
                    let width = checks[c].rowShape.reduce(1, *)
                    let x = doneRows.flatMap { values[c][$0 * width..<($0 + 1) * width] }
                    return (checks[c].name, x.isEmpty ? nil : x.contains { $0.isNaN } ? .nan : x.map(abs).max()!)
                }
                out.append(Row(block: block.path, parameters: parameters?[p] ?? [("point", "\(p)")],
                               done: doneRows.count, planned: rows.count, checks: worst))
            }
        }
        return out
    }

    /// The parameters of each point of a grid study (`GridStudy`): the fields
    /// of its `Point`, by their names; nil for a study without a grid (its
    /// rows show the point index).
    static func pointParameters(_ study: any Study) -> [[(name: String, value: String)]]? {
        guard let grid = study as? any GridStudy else { return nil }
        return parameters(of: grid)
    }

    static func parameters<S: GridStudy>(of study: S) -> [[(name: String, value: String)]] {
        study.points.enumerated().map { p, point in
            let fields = Mirror(reflecting: point).children.map { ($0.label ?? "?", "\($0.value)") }
            return fields.isEmpty ? [("point", "\(p)")] : fields
        }
    }

    /// The text: a title, then one aligned table per run of blocks with the
    /// same columns, then the closing line.
    static func render(_ rows: [Row], study: String, output: String) -> String {
        var lines = ["[qglass] summary of \(output) (\(study)): realizations done of planned per point; the worst |value| "
                     + "over the done rows of each check column (a residual: 0 up to rounding and discretization)"]
        var start = 0
        while start < rows.count {
            let columns = headings(rows[start])
            var end = start + 1
            while end < rows.count && headings(rows[end]) == columns { end += 1 }
            let cells = rows[start..<end].map { r in
                [r.block] + r.parameters.map(\.value) + ["\(r.done)/\(r.planned)"] + r.checks.map { $0.worst.map(worstText) ?? "-" }
            }
            let widths = columns.indices.map { c in ([columns[c]] + cells.map { $0[c] }).map(\.count).max()! }
            // The block path left-aligned, the numbers right-aligned.
            func line(_ cs: [String]) -> String {
                "  " + cs.indices.map { pad(cs[$0], $0 == 0 ? -widths[0] : widths[$0]) }.joined(separator: "  ")
            }
            lines.append(line(columns))
            lines += cells.map(line)
            start = end
        }
        lines.append("disorder averages and fits: qglass reduce \(output) --out <reduced.h5>")
        return lines.joined(separator: "\n")
    }

    /// The column headings of a row's table.
    static func headings(_ r: Row) -> [String] { ["block"] + r.parameters.map(\.name) + ["done"] + r.checks.map(\.name) }

    /// A worst |value|, e.g. "3.1e-14".
    static func worstText(_ x: Double) -> String { x.isNaN ? "NaN" : String(format: "%.1e", x) }
}
