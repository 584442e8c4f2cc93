#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Reads a whole file, or all of a descriptor, up to a limit.
enum WholeFile {
    struct Failure: Error {
        let message: String

        init(_ message: String) { self.message = message }
        init(code: Int32) { message = String(cString: strerror(code)) }
    }

    static func read(path: String, limit: Int) -> Result<[UInt8], Failure> {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return .failure(Failure(code: errno)) }
        defer { close(descriptor) }
        return read(descriptor: descriptor, limit: limit)
    }

    static func read(descriptor: Int32, limit: Int) -> Result<[UInt8], Failure> {
        var status = stat()
        if fstat(descriptor, &status) == 0 && (status.st_mode & S_IFMT) == S_IFDIR {
            return .failure(Failure(code: EISDIR))
        }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let count = chunk.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                return .failure(Failure(code: errno))
            }
            if count == 0 { return .success(bytes) }
            guard bytes.count + count <= limit else {
                return .failure(Failure("larger than \(limit >> 20) MiB, more than any IPVS table needs"))
            }
            bytes.append(contentsOf: chunk[..<count])
        }
    }
}
