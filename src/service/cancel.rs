//! Stopping a connect that is under way: `Disconnect` reaches the running attempt at
//! once, not after it (a host that never answers held the window for the timeout).

use std::sync::atomic::{AtomicU64, Ordering};
use tokio::sync::Notify;

/// Shared by the handle (which fires it) and the service (which watches it while it
/// connects). A count, not a flag: a cancel before an attempt began does not stop it.
#[derive(Debug, Default)]
pub(crate) struct ConnectCancel {
    fired: AtomicU64,
    wake: Notify,
}

impl ConnectCancel {
    /// Stops the attempt under way, if any.
    pub(crate) fn fire(&self) {
        self.fired.fetch_add(1, Ordering::SeqCst);
        self.wake.notify_waiters();
    }

    /// A watch for one attempt, begun now: `cancelled` ends when `fire` is called after
    /// this point.
    pub(crate) fn watch(&self) -> Watch<'_> {
        Watch {
            cancel: self,
            from: self.fired.load(Ordering::SeqCst),
        }
    }
}

/// One attempt's view of the cancel.
pub(crate) struct Watch<'a> {
    cancel: &'a ConnectCancel,
    from: u64,
}

impl Watch<'_> {
    /// Ends once the attempt is cancelled.
    pub(crate) async fn cancelled(&self) {
        loop {
            let notified = self.cancel.wake.notified();
            tokio::pin!(notified);
            // Registered before the count is read: a fire in between is not missed.
            notified.as_mut().enable();
            if self.cancel.fired.load(Ordering::SeqCst) != self.from {
                return;
            }
            notified.await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[tokio::test]
    async fn a_fire_after_the_watch_began_ends_it_and_one_before_does_not() {
        let c = ConnectCancel::default();
        c.fire();
        let w = c.watch();
        let early = tokio::time::timeout(Duration::from_millis(50), w.cancelled()).await;
        assert!(early.is_err(), "a cancel from before the attempt stopped it");
        let (done, ()) = tokio::join!(tokio::time::timeout(Duration::from_secs(5), w.cancelled()), async {
            tokio::time::sleep(Duration::from_millis(20)).await;
            c.fire();
        });
        assert!(done.is_ok());
        // Once cancelled, it stays cancelled.
        assert!(
            tokio::time::timeout(Duration::from_millis(50), w.cancelled())
                .await
                .is_ok()
        );
    }
}
