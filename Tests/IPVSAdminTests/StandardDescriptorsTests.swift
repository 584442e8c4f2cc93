import Glibc
import Testing

@testable import IPVSAdmin

/// A process started with a standard descriptor closed gets /dev/null there, read-only,
/// before it opens its socket (FaultKernelTests runs the binary so, against the reference).
@Suite("Standard descriptors")
struct StandardDescriptorsTests {
    /// A number no other test's files reach, standing in for 0, 1 or 2.
    private static let descriptor: Int32 = 917

    @Test func aClosedDescriptorGetsDevNullReadOnly() throws {
        close(Self.descriptor)
        StandardDescriptors.reopenClosed([Self.descriptor])
        defer { close(Self.descriptor) }
        #expect(fcntl(Self.descriptor, F_GETFL) & O_ACCMODE == O_RDONLY)
        var opened = stat()
        var null = stat()
        try #require(fstat(Self.descriptor, &opened) == 0 && stat("/dev/null", &null) == 0)
        #expect(opened.st_rdev == null.st_rdev && opened.st_mode & S_IFMT == S_IFCHR)
        var byte: UInt8 = 0
        #expect(read(Self.descriptor, &byte, 1) == 0, "reads see the end of input")
        #expect(write(Self.descriptor, &byte, 1) == -1 && errno == EBADF, "writes fail as on a closed descriptor")
    }

    @Test func anOpenDescriptorIsLeftAlone() throws {
        var ends: [Int32] = [0, 0]
        try #require(pipe(&ends) == 0)
        defer { close(ends[0]) }
        try #require(dup2(ends[1], Self.descriptor + 1) == Self.descriptor + 1)
        close(ends[1])
        defer { close(Self.descriptor + 1) }
        StandardDescriptors.reopenClosed([Self.descriptor + 1])
        var byte: UInt8 = 42
        #expect(write(Self.descriptor + 1, &byte, 1) == 1)
        byte = 0
        #expect(read(ends[0], &byte, 1) == 1 && byte == 42)
    }
}
