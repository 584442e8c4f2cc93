#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// State shared between threads behind a POSIX mutex, with a condition variable to
/// sleep on until the state says a wait is over: no polling, no wake-up lost between a
/// check and the sleep. (The standard library's `Mutex` has no condition variable.)
package final class Monitor<State: Sendable>: Sendable {
    // Each pointer is only dereferenced with `mutex` held (or, for the mutex and the
    // condition themselves, by the pthread calls made for exactly that).
    nonisolated(unsafe) private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    nonisolated(unsafe) private let condition: UnsafeMutablePointer<pthread_cond_t>
    nonisolated(unsafe) private let state: UnsafeMutablePointer<State>

    package init(_ initial: State) {
        mutex = .allocate(capacity: 1)
        condition = .allocate(capacity: 1)
        state = .allocate(capacity: 1)
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(condition, nil)
        state.initialize(to: initial)
    }

    deinit {
        pthread_cond_destroy(condition)
        pthread_mutex_destroy(mutex)
        state.deinitialize(count: 1)
        state.deallocate()
        condition.deallocate()
        mutex.deallocate()
    }

    /// Runs `body` on the state with the lock held, then wakes every waiter so that each
    /// looks again at what `body` may have changed.
    package func update<Result>(_ body: (inout State) -> Result) -> Result {
        pthread_mutex_lock(mutex)
        defer {
            pthread_cond_broadcast(condition)
            pthread_mutex_unlock(mutex)
        }
        return body(&state.pointee)
    }

    /// Reads the state with the lock held.
    package func read<Result>(_ body: (State) -> Result) -> Result {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return body(state.pointee)
    }

    /// Sleeps until `attempt` returns a value (it runs with the lock held, first at
    /// once, then each time another thread has updated the state), then wakes every
    /// waiter, as `update` does, since `attempt` may have changed the state.
    package func wait<Result>(until attempt: (inout State) -> Result?) -> Result {
        pthread_mutex_lock(mutex)
        defer {
            pthread_cond_broadcast(condition)
            pthread_mutex_unlock(mutex)
        }
        while true {
            if let result = attempt(&state.pointee) { return result }
            pthread_cond_wait(condition, mutex)
        }
    }
}
