import CIPVSShim

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Network namespaces: IPVS keeps one table per namespace, and a thread's requests and
/// /proc reads go to the namespace the thread is in.
public enum NetworkNamespace {
    /// Where `ip netns add NAME` keeps a namespace.
    public static let namedDirectory = "/run/netns"

    /// The path of a namespace given as a name under /run/netns or as a path (any
    /// argument with a '/', such as /proc/PID/ns/net).
    public static func path(of nameOrPath: String) -> String {
        nameOrPath.contains("/") ? nameOrPath : namedDirectory + "/" + nameOrPath
    }

    /// Moves the calling thread into the namespace at `path`. Threads it starts later
    /// start there too; clients and /proc reads made afterwards see that namespace's
    /// table. Throws `.enterNamespace` with the errno of the open or of setns.
    public static func enter(path: String) throws(IPVSError) {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw IPVSError(.enterNamespace, code: errno) }
        defer { close(descriptor) }
        guard cipvs_enter_network_namespace(descriptor) == 0 else { throw IPVSError(.enterNamespace, code: errno) }
    }

    /// The calling thread's namespace as the kernel identifies it: device and inode.
    static func currentIdentity() throws(IPVSError) -> (device: UInt64, inode: UInt64) {
        var status = stat()
        guard stat("/proc/thread-self/ns/net", &status) == 0 else { throw IPVSError(.lock, code: errno) }
        return (UInt64(status.st_dev), UInt64(status.st_ino))
    }
}

/// An exclusive advisory lock on the IPVS table of the calling thread's network
/// namespace, held until the value goes away: programs that change the table as a whole
/// (`IPVSPlan` and `execute`) take it so that two of them never interleave. Other
/// writers (ipvsadm, keepalived) do not take it.
public struct IPVSTableLock: ~Copyable {
    private let descriptor: Int32
    /// Where the lock files are, one per namespace named by its device and inode; /tmp
    /// where the system has no /run/lock.
    static let directories = ["/run/lock", "/tmp"]

    /// Waits for and takes the lock of the calling thread's namespace. Throws `.lock`
    /// with the errno of what failed.
    public init() throws(IPVSError) {
        let descriptor = try Self.openFile()
        while flock(descriptor, LOCK_EX) != 0 {
            guard errno == EINTR else {
                let code = errno
                close(descriptor)
                throw IPVSError(.lock, code: code)
            }
        }
        self.descriptor = descriptor
    }

    /// Takes the lock only if no one holds it; nil when someone does.
    public static func tryLock() throws(IPVSError) -> IPVSTableLock? {
        let descriptor = try openFile()
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            let code = errno
            close(descriptor)
            if code == EWOULDBLOCK { return nil }
            throw IPVSError(.lock, code: code)
        }
        return IPVSTableLock(holding: descriptor)
    }

    private init(holding descriptor: Int32) {
        self.descriptor = descriptor
    }

    deinit {
        close(descriptor)
    }

    private static func openFile() throws(IPVSError) -> Int32 {
        let identity = try NetworkNamespace.currentIdentity()
        var code = ENOENT
        for directory in directories {
            let path = directory + "/ipvs-table-\(identity.device)-\(identity.inode).lock"
            let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
            if descriptor >= 0 { return descriptor }
            code = errno
            guard code == ENOENT else { break }
        }
        throw IPVSError(.lock, code: code)
    }
}
