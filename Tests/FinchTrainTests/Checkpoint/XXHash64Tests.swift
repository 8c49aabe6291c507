import XCTest
@testable import FinchAlgorithms
@testable import FinchTrain

final class XXHash64Tests: XCTestCase {
    /// Reference values from `xxhsum -H64` over bytes (7·i + 3) mod 256, chosen to cover
    /// the tail-only path (< 32 bytes), exact stripes, and stripes plus every tail size.
    private let reference: [(length: Int, hash: UInt64)] = [
        (0, 0xEF46_DB37_51D8_E999), (1, 0x1F25_C8D0_BC1F_4BB6), (5, 0xC760_8EFD_DB70_51FE),
        (31, 0xA2AA_5F33_CC4A_6119), (32, 0x23C3_C17E_F790_FD97), (33, 0x50A7_CFC7_BA58_8784),
        (100, 0xA61F_8D4C_170F_E531), (1000, 0x5F23_5FA0_33F1_A3FB),
    ]

    private func pattern(_ length: Int) -> [UInt8] { (0..<length).map { UInt8(($0 * 7 + 3) % 256) } }

    func testMatchesReferenceTool() {
        for (length, expected) in reference {
            let hash = pattern(length).withUnsafeBytes { XXHash64.hash($0) }
            XCTAssertEqual(hash, expected, "length \(length)")
        }
        XCTAssertEqual(Array("abc".utf8).withUnsafeBytes { XXHash64.hash($0) }, 0x44BC_2CF5_AD77_0999)
    }

    func testIncrementalUpdatesMatchOneShot() {
        let bytes = pattern(1000)
        for chunk in [1, 7, 31, 32, 45, 999] {
            var hasher = XXHash64()
            var start = 0
            while start < bytes.count {
                let end = min(start + chunk, bytes.count)
                bytes[start..<end].withUnsafeBytes { hasher.update($0) }
                start = end
            }
            XCTAssertEqual(hasher.finalize(), 0x5F23_5FA0_33F1_A3FB, "chunk size \(chunk)")
        }
    }
}
