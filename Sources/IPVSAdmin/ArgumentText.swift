/// Arguments are bytes, not text: argv and restore lines may hold any byte but NUL, and
/// ipvsadm echoes a word it refuses exactly as it was given. The parser works on
/// `String`s, so a word is carried in a `String` losslessly: every byte that is not part
/// of valid UTF-8 becomes one scalar of a reserved range (the last 256 code points of
/// plane 16's private use area, U+10FF00 + byte), and so does every byte of a valid
/// scalar that lies in that range itself. Any byte sequence then has exactly one carrier
/// string and comes back from it unchanged; words in plain UTF-8 (all real ones) are
/// their own carrier. The output sinks write carrier strings back as the original bytes.
public enum ArgumentText {
    /// The first scalar of the reserved range: it stands for byte 0.
    static let base: UInt32 = 0x10_FF00
    /// UTF-8 for any scalar of the reserved range starts with this byte, then 0x8F 0xBC...0xBF.
    private static let leadByte: UInt8 = 0xF4

    /// The carrier string of `bytes`.
    public static func string<Bytes: Collection<UInt8>>(_ bytes: Bytes) -> String {
        if let plain = bytes.withContiguousStorageIfAvailable({ plainText($0) }) ?? plainText(Array(bytes)) {
            return plain
        }
        let input = Array(bytes)
        var scalars = String.UnicodeScalarView()
        var parser = Unicode.UTF8.ForwardParser()
        var iterator = input.makeIterator()
        var offset = 0  // where the scalar being parsed starts in `input`
        func escape(_ count: Int) {
            for byte in input[offset..<offset + count] { scalars.append(Unicode.Scalar(base + UInt32(byte))!) }
        }
        loop: while true {
            switch parser.parseScalar(from: &iterator) {
            case .valid(let encoded):
                let scalar = Unicode.UTF8.decode(encoded)
                if scalar.value >= base { escape(encoded.count) } else { scalars.append(scalar) }
                offset += encoded.count
            case .error(let length):
                escape(length)
                offset += length
            case .emptyInput:
                break loop
            }
        }
        return String(scalars)
    }

    /// The carrier string of a `String`'s UTF-8 (itself, unless it holds reserved scalars).
    public static func string(_ text: String) -> String {
        text.utf8.contains(leadByte) ? string(Array(text.utf8)) : text
    }

    /// The bytes `text` carries: its UTF-8, with each reserved scalar back as its byte.
    public static func bytes(_ text: String) -> [UInt8] {
        var bytes: [UInt8] = []
        append(text, to: &bytes)
        return bytes
    }

    /// Appends the bytes `text` carries.
    static func append(_ text: String, to bytes: inout [UInt8]) {
        guard text.utf8.contains(leadByte) else {
            bytes.append(contentsOf: text.utf8)
            return
        }
        for scalar in text.unicodeScalars {
            if scalar.value >= base {
                bytes.append(UInt8(scalar.value - base))
            } else {
                bytes.append(contentsOf: UTF8.encode(scalar)!)
            }
        }
    }

    /// A name for the kernel (scheduler, persistence engine, interface) cut as ipvsadm
    /// cuts it, to its first `maximumBytes` bytes. The kernel takes text: bytes that are
    /// not UTF-8 (a character cut in two included) go as U+FFFD, as few as keep the name
    /// within `maximumBytes`: such a name is as unknown to the kernel as ipvsadm's bytes,
    /// and no longer than they are (a longer one would be refused as malformed instead).
    static func kernelName(_ text: String, maximumBytes: Int) -> String {
        if text.utf8.count <= maximumBytes && !text.utf8.contains(leadByte) { return text }
        var name = String(decoding: bytes(text).prefix(maximumBytes), as: UTF8.self).unicodeScalars
        while name.count > 0 && String(name).utf8.count > maximumBytes { name.removeLast() }
        return String(name)
    }

    /// `bytes` as a string when they are valid UTF-8 without reserved scalars; else nil.
    private static func plainText(_ bytes: UnsafeBufferPointer<UInt8>) -> String? {
        if !bytes.contains(where: { $0 >= 0x80 }) { return String(decoding: bytes, as: UTF8.self) }
        guard !bytes.contains(leadByte), let text = String(validating: bytes, as: UTF8.self) else { return nil }
        return text
    }

    private static func plainText(_ bytes: [UInt8]) -> String? {
        bytes.withUnsafeBufferPointer { plainText($0) }
    }
}
