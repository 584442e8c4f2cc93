#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A POSIX thread running a closure, owned by whoever holds the handle: it is joined
/// exactly once, by `join()` or, on every other path, when the handle goes away.
/// Not copyable, so a second join (undefined behaviour for pthreads) cannot be written.
package struct ThreadHandle: ~Copyable {
    private let thread: pthread_t

    private final class Body {
        let run: @Sendable () -> Void
        init(_ run: @escaping @Sendable () -> Void) { self.run = run }
    }

    private init(thread: pthread_t) { self.thread = thread }

    /// nil if no thread could be started.
    package static func start(_ run: @escaping @Sendable () -> Void) -> ThreadHandle? {
        var thread = pthread_t()
        let context = Unmanaged.passRetained(Body(run)).toOpaque()
        let status = pthread_create(&thread, nil, { context in
            Unmanaged<Body>.fromOpaque(context!).takeRetainedValue().run()
            return nil
        }, context)
        guard status == 0 else {
            Unmanaged<Body>.fromOpaque(context).release()
            return nil
        }
        return ThreadHandle(thread: thread)
    }

    /// Waits for the thread to end.
    package consuming func join() {
        pthread_join(thread, nil)
        discard self
    }

    deinit { pthread_join(thread, nil) }
}
