//! Failed logins counted per login name, so that guessing a password is slow.

use std::collections::HashMap;
use std::sync::Mutex;

/// Failed logins allowed per login name within [`THROTTLE_WINDOW_SECONDS`] before further
/// attempts are refused until the window ends.
const THROTTLE_FAILURES: u32 = 5;
const THROTTLE_WINDOW_SECONDS: i64 = 15 * 60;

/// Counts failed logins per login name.
#[derive(Default)]
pub(crate) struct LoginThrottle {
    failures: Mutex<HashMap<String, (u32, i64)>>,
}

impl LoginThrottle {
    /// Whether a login may be tried now.
    pub fn allows(&self, login: &str, now: i64) -> bool {
        let Ok(failures) = self.failures.lock() else { return true };
        failures
            .get(&login.to_lowercase())
            .is_none_or(|(count, since)| *count < THROTTLE_FAILURES || now - since >= THROTTLE_WINDOW_SECONDS)
    }

    pub fn failed(&self, login: &str, now: i64) {
        if let Ok(mut failures) = self.failures.lock() {
            let entry = failures.entry(login.to_lowercase()).or_insert((0, now));
            if now - entry.1 >= THROTTLE_WINDOW_SECONDS {
                *entry = (0, now);
            }
            entry.0 += 1;
        }
    }

    pub fn succeeded(&self, login: &str) {
        if let Ok(mut failures) = self.failures.lock() {
            failures.remove(&login.to_lowercase());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn five_failures_lock_a_login_for_the_window() {
        let throttle = LoginThrottle::default();
        for _ in 0..THROTTLE_FAILURES {
            assert!(throttle.allows("Wang", 1_000));
            throttle.failed("Wang", 1_000);
        }
        assert!(!throttle.allows("wang", 1_001), "names are compared case-insensitively");
        assert!(throttle.allows("li", 1_001), "other logins are unaffected");
        assert!(throttle.allows("wang", 1_000 + THROTTLE_WINDOW_SECONDS));
    }
}
