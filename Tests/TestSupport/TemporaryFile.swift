import Foundation

/// A temporary file could not be made.
public struct TemporaryFileError: Error {
    public let errno: Int32
}

/// Runs `body` with the path of a new file holding `text`, removed afterwards. Each call
/// gets a file of its own (mkstemp): test cases run in parallel, and a name shared by
/// the cases of one parameterised test would let them overwrite each other's input.
public func withTemporaryFile<Result>(holding text: String, _ body: (String) throws -> Result) throws -> Result {
    var template = Array("/tmp/ipvs-tests-XXXXXX".utf8CString)
    let descriptor = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
    guard descriptor >= 0 else { throw TemporaryFileError(errno: errno) }
    close(descriptor)
    let path = String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
    defer { unlink(path) }
    try Data(text.utf8).write(to: URL(fileURLWithPath: path))
    return try body(path)
}
