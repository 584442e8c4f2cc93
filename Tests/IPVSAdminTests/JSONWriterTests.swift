import IPVS
import Testing

@testable import IPVSAdmin

/// The writer behind every `--json` view: strings copied whole when nothing in them needs
/// escaping, escaped byte by byte otherwise, and nesting kept by depth.
@Suite struct JSONWriterTests {
    static func document(_ value: String) -> String {
        var json = JSONWriter()
        json.beginObject()
        json.member("name", value)
        json.beginArray("list")
        json.member(nil, value)
        json.beginObject()
        json.endObject()
        json.endArray()
        json.endObject()
        json.finish()
        return String(decoding: json.text.bytes, as: UTF8.self)
    }

    @Test(arguments: [
        ("wlc", #""wlc""#),
        ("", #""""#),
        ("a\"b", #""a\"b""#),
        ("back\\slash", #""back\\slash""#),
        ("line\nfeed\r\t", #""line\nfeed\r\t""#),
        ("\u{1}\u{1f}", #""\u0001\u001f""#),
        ("é😀", "\"é😀\""),
    ])
    func stringsAreEscapedAndReadBack(value: String, written: String) throws {
        let text = Self.document(value)
        #expect(text == "{\n  \"name\": \(written),\n  \"list\": [\n    \(written),\n    {}\n  ]\n}\n")
        let read = try JSONValue.parse(Array(text.utf8))
        guard case .object(let members) = read else {
            Issue.record("not an object: \(read)")
            return
        }
        #expect(members["name"] == .string(value))
        #expect(members["list"] == .array([.string(value), .object(JSONObject())]))
    }

    @Test func nestingIsIndentedByDepth() {
        var json = JSONWriter()
        json.beginObject()
        for _ in 0..<10 { json.beginArray("a") }
        json.member(nil, UInt64(7))
        for _ in 0..<10 { json.endArray() }
        json.endObject()
        json.finish()
        let lines = String(decoding: json.text.bytes, as: UTF8.self).split(separator: "\n")
        #expect(lines.count == 23)
        #expect(lines[11] == String(repeating: " ", count: 22) + "7")
        #expect(lines[12] == String(repeating: " ", count: 20) + "]")
    }
}
