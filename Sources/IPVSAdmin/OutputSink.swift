#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Where a session writes its text. Text may carry argument bytes that are not UTF-8
/// (see `ArgumentText`): a sink writes them back as those bytes.
public protocol OutputSink: AnyObject {
    func write(_ text: String)
    /// UTF-8 text already in bytes (the listings).
    func write(bytes: [UInt8])
    func flush()
    /// The errno of the first write that failed (nil: every write so far succeeded).
    /// Output after a failure is dropped.
    var failure: Int32? { get }
}

extension OutputSink {
    /// A sink in memory never fails.
    public var failure: Int32? { nil }
}

/// A file descriptor with a buffer, written with write(2) and no stdio.
public final class FileOutput: OutputSink {
    private let descriptor: Int32
    private var buffer: [UInt8] = []
    private let limit: Int
    /// The errno of the first failed write(2); nothing is written after it.
    public private(set) var failure: Int32?

    /// `bufferLimit` 0 writes through at once, as stdio does for standard error.
    public init(descriptor: Int32, bufferLimit: Int = 1 << 16) {
        self.descriptor = descriptor
        self.limit = bufferLimit
        buffer.reserveCapacity(bufferLimit)
    }

    public func write(_ text: String) {
        ArgumentText.append(text, to: &buffer)
        if buffer.count >= limit { flush() }
    }

    public func write(bytes: [UInt8]) {
        if buffer.isEmpty && bytes.count >= limit {
            buffer = bytes  // a large block goes out as it is, without a copy
        } else {
            buffer.append(contentsOf: bytes)
        }
        if buffer.count >= limit { flush() }
    }

    /// Writes what is buffered. A failed write (a full disk, an I/O error, a closed pipe
    /// while SIGPIPE is ignored: without that the signal ends the process first, as it
    /// ends ipvsadm) is kept in `failure`, and nothing more is written.
    public func flush() {
        var offset = 0
        while failure == nil && offset < buffer.count {
            let written = buffer[offset...].withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
            if written < 0 {
                if errno == EINTR { continue }
                failure = errno
            } else if written == 0 {
                failure = EIO
            } else {
                offset += written
            }
        }
        buffer.removeAll(keepingCapacity: true)
    }

    deinit { flush() }
}

/// Collects text in memory (tests, and callers that want the output as a value).
public final class TextOutput: OutputSink {
    /// The text written; argument bytes that are not UTF-8 are in it as `ArgumentText` carries them.
    public private(set) var text = ""
    public init() {}
    public func write(_ text: String) { self.text += text }
    public func write(bytes: [UInt8]) { text += ArgumentText.string(bytes) }
    public func flush() {}
    /// The bytes written, exactly.
    public var bytes: [UInt8] { ArgumentText.bytes(text) }
}
