import Foundation
import Testing
import TestSupport

@testable import IPVS

@Suite("LineBlocks")
struct LineBlocksTests {
    /// Runs of whole lines, then the unterminated rest once at the end; together exactly
    /// the text, whatever the block edges and however long a line.
    @Test(arguments: ["", "no newline at all", "one\n", "a\nb\nunterminated"])
    func runsOfWholeLinesAddUpToTheText(tail: String) throws {
        var text = ""
        for index in 0..<10_000 { text += "line \(index)\n" }
        text += String(repeating: "y", count: 150_000) + "\n" + tail
        var read: [UInt8] = []
        var calls: [(endsInNewline: Bool, atEnd: Bool)] = []
        try withTemporaryFile(holding: text) { path in
            let descriptor = open(path, O_RDONLY)
            try #require(descriptor >= 0)
            defer { close(descriptor) }
            LineBlocks.read(descriptor) { lines, atEnd in
                read += lines
                calls.append((lines.last == UInt8(ascii: "\n"), atEnd))
            }
        }
        #expect(read == Array(text.utf8))
        #expect(calls.last?.atEnd == true)
        #expect(calls.dropLast().allSatisfy { $0.endsInNewline && !$0.atEnd })
        #expect(calls.count > 3)
    }
}
