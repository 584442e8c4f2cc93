import Testing

@testable import IPVS

/// The JSON reader: RFC 8259 values, exact numbers, and where malformed input goes wrong.
@Suite struct JSONTests {
    @Test func valuesAsWritten() throws {
        let value = try JSONValue.parse(Array("""
             {"a": [1, -2.5e3, 18446744073709551615], "b": {"c": null, "d": true, "e": false},
              "s": "x\\"\\\\\\/\\b\\f\\n\\r\\t\\u00e9\\ud83d\\ude00"}
            """.utf8))
        #expect(value == .object(JSONObject([
            ("a", .array([.number("1"), .number("-2.5e3"), .number("18446744073709551615")])),
            ("b", .object(JSONObject([("c", .null), ("d", .bool(true)), ("e", .bool(false))]))),
            ("s", .string("x\"\\/\u{8}\u{c}\n\r\té😀")),
        ])))
    }

    @Test(arguments: [
        ("", 1, 1, "unexpected end of input, a value expected"),
        ("{\"a\": 1,}", 1, 9, "a member name (a string) expected"),
        ("{\"a\": 1, \"a\": 2}", 1, 10, "the member \"a\" appears twice"),
        ("[1 2]", 1, 4, "',' or ']' expected"),
        ("\n\n  [01]", 3, 4, "a number may not start with 0"),
        ("\"abc", 1, 1, "unterminated string"),
        ("\"\\ud800\"", 1, 8, "a lone surrogate in \\u escape"),
        ("\"a\u{1}\"", 1, 3, "a control character in a string must be escaped"),
        ("tru", 1, 1, "invalid literal, true expected?"),
        ("{} {}", 1, 4, "unexpected text after the document"),
        ("1.", 1, 3, "a digit expected after '.'"),
    ])
    func malformedInputSaysWhere(_ text: String, _ line: Int, _ column: Int, _ message: String) {
        #expect(throws: JSONSyntaxError(line: line, column: column, message: message)) {
            try JSONValue.parse(Array(text.utf8))
        }
    }

    @Test func bytesThatAreNotUTF8AreRefused() {
        #expect(throws: JSONSyntaxError.self) { try JSONValue.parse([0x22, 0xff, 0x22]) }
    }

    @Test func deepNestingIsRefusedNotACrash() {
        let deep = Array(repeating: UInt8(ascii: "["), count: 100_000)
        #expect(throws: JSONSyntaxError(line: 1, column: 257, message: "nested too deeply")) {
            try JSONValue.parse(deep)
        }
    }
}
