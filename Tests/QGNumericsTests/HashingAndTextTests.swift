import XCTest
import Foundation
import QGNumerics

/// SHA-256 and TOML escaping against known answers.
final class HashingAndTextTests: XCTestCase {
    func hex(_ s: String) -> String { var h = SHA256(); h.update(Array(s.utf8)); return h.hexDigest() }

    /// FIPS 180-2 examples: "abc", the empty string and the two-block message.
    func testSHA256KnownAnswers() {
        XCTAssertEqual(hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        XCTAssertEqual(hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        XCTAssertEqual(hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
                       "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    }

    /// One million 'a' (FIPS 180-2), fed in uneven pieces and from a file.
    func testSHA256OfAMillionAInPiecesAndFromAFile() throws {
        let million = [UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000)
        let want = "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"
        var h = SHA256()
        var i = 0, step = 1
        while i < million.count { let j = min(million.count, i + step); h.update(Array(million[i..<j])); i = j; step = step * 3 + 1 }
        XCTAssertEqual(h.hexDigest(), want)
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("qgnumerics-sha-\(getpid()).bin").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        XCTAssertTrue(FileManager.default.createFile(atPath: path, contents: Data(million)))
        XCTAssertEqual(SHA256.hexDigest(ofFile: path), want)
        XCTAssertNil(SHA256.hexDigest(ofFile: path + ".missing"))
    }

    /// Escapes as TOML basic strings require; the quoted form is what a TOML parser reads back.
    func testTOMLEscaping() {
        XCTAssertEqual(tomlEscaped("plain/path.h5"), "plain/path.h5")
        XCTAssertEqual(tomlEscaped("a\"b\\c\nd\te"), "a\\\"b\\\\c\\nd\\te")
        XCTAssertEqual(tomlEscaped("\u{01}x\u{7F}\u{1F}"), "\\u0001x\\u007F\\u001F")
        XCTAssertEqual(tomlEscaped("Ångström λ"), "Ångström λ")
        XCTAssertEqual(tomlString("say \"hi\""), "\"say \\\"hi\\\"\"")
    }
}

/// The Page value against its closed form in small cases.
final class PageEntropyTests: XCTestCase {
    func testPageEntropySmallCases() {
        // 1 x n: a pure state of the whole system, S = 0.
        XCTAssertEqual(pageEntropy(dimA: 1, dimB: 8), 0)
        // 2 x 2: 1/3 + 1/4 - 1/4 = 1/3.
        XCTAssertEqual(pageEntropy(dimA: 2, dimB: 2), 1.0 / 3, accuracy: 1e-15)
        // 2 x 4 (symmetric in the arguments): sum_{k=5}^{8} 1/k - 1/8.
        let s24 = 1.0 / 5 + 1.0 / 6 + 1.0 / 7 + 1.0 / 8 - 1.0 / 8
        XCTAssertEqual(pageEntropy(dimA: 2, dimB: 4), s24, accuracy: 1e-15)
        XCTAssertEqual(pageEntropy(dimA: 4, dimB: 2), s24, accuracy: 1e-15)
        // Half chain of L = 3: A is one spin, B two.
        XCTAssertEqual(pageEntropy(halfChainOf: 3), s24, accuracy: 1e-15)
        XCTAssertEqual(pageEntropy(halfChainOf: 4), pageEntropy(dimA: 4, dimB: 4))
        // Large m = n = 2^(L/2): (L/2) ln 2 - 1/2 up to O(1/n^2) corrections.
        XCTAssertEqual(pageEntropy(halfChainOf: 16), 8 * log(2.0) - 0.5, accuracy: 1e-4)
    }
}

/// The uniform natural cubic spline and bisection.
final class InterpolationAndRootTests: XCTestCase {
    /// A natural spline reproduces a straight line exactly (all m = 0) and a cubic with
    /// zero second derivative at both ends to O(h^2); it interpolates the nodes.
    func testNaturalSpline() {
        let h = 0.25, start = -1.0
        let line = (0..<9).map { 2 + 3 * (start + Double($0) * h) }
        let mLine = UniformCubicSpline.naturalSecondDerivatives(line, spacing: h)
        XCTAssertEqual(mLine.map(abs).max()!, 0, accuracy: 1e-12)
        let v = UniformCubicSpline.evaluate(line, secondDerivatives: mLine, spacing: h, start: start, at: 0.3)
        XCTAssertEqual(v.value, 2.9, accuracy: 1e-13); XCTAssertEqual(v.slope, 3, accuracy: 1e-12)
        // sin on [0, pi]: f'' = 0 at both ends, so the natural spline converges as h^4 inside.
        let n = 33, hs = Double.pi / Double(n - 1)
        let y = (0..<n).map { sin(Double($0) * hs) }
        let m = UniformCubicSpline.naturalSecondDerivatives(y, spacing: hs)
        for i in 0..<n { XCTAssertEqual(m[i], -y[i], accuracy: 2e-3) }
        XCTAssertEqual(UniformCubicSpline.evaluate(y, secondDerivatives: m, spacing: hs, start: 0, at: 5 * hs).value, y[5], accuracy: 1e-15)
        let s = UniformCubicSpline.evaluate(y, secondDerivatives: m, spacing: hs, start: 0, at: 1.0)
        XCTAssertEqual(s.value, sin(1.0), accuracy: 1e-5); XCTAssertEqual(s.slope, cos(1.0), accuracy: 1e-4)
    }

    func testBisection() throws {
        XCTAssertEqual(try Bisection.root(in: (0, 2), tol: 1e-12) { $0 * $0 - 2 }, 2.0.squareRoot(), accuracy: 1e-12)
        XCTAssertEqual(try Bisection.root(in: (0, 3), tol: 1e-12) { cos($0) }, Double.pi / 2, accuracy: 1e-12)  // decreasing
        XCTAssertThrowsError(try Bisection.root(in: (2, 3), tol: 1e-9) { $0 * $0 - 2 }) { e in
            XCTAssertEqual(e as? Bisection.NoSignChange, Bisection.NoSignChange(lo: 2, hi: 3, fLo: 2, fHi: 7))
        }
    }
}
