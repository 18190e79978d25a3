//! A circuit breaker per source: it opens when a configurable share of the calls of a sliding window
//! failed, answers at once while open, then lets one probe through (half-open): a success closes it, a
//! failure opens it again.

use std::collections::VecDeque;
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use tokio::time::Instant;

use crate::config::HttpConfig;

/// The state of a breaker, as shown in health and metrics.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CircuitState {
    /// Calls go through.
    Closed,
    /// Calls fail at once until the probe time.
    Open,
    /// One probe is in flight.
    HalfOpen,
}

impl CircuitState {
    /// The state's name (`ferme`, `ouvert`, `semi-ouvert`).
    pub fn name(self) -> &'static str {
        match self {
            Self::Closed => "ferme",
            Self::Open => "ouvert",
            Self::HalfOpen => "semi-ouvert",
        }
    }
}

#[derive(Debug)]
struct State {
    /// Outcomes in the window: (when, failed).
    calls: VecDeque<(Instant, bool)>,
    /// Open until then.
    open_until: Option<Instant>,
    /// A probe is in flight.
    probing: bool,
    /// How many times the breaker opened.
    opened: u64,
}

/// A circuit breaker.
#[derive(Debug)]
pub struct CircuitBreaker {
    ratio: f64,
    min_calls: u32,
    window: Duration,
    open_for: Duration,
    state: Mutex<State>,
}

/// Permission to call: say how the call went with [`Permit::record`]. Dropped without a record (the
/// caller gave up), a probe frees its place.
#[derive(Debug)]
pub struct Permit<'a> {
    breaker: &'a CircuitBreaker,
    probe: bool,
    recorded: bool,
}

impl Permit<'_> {
    /// Records the outcome of the call.
    pub fn record(mut self, ok: bool) {
        self.recorded = true;
        self.breaker.record(self.probe, ok);
    }
}

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        if !self.recorded && self.probe {
            self.breaker.state().probing = false;
        }
    }
}

impl CircuitBreaker {
    /// A closed breaker configured by `[sources.<id>.http]`.
    pub fn new(config: &HttpConfig) -> Self {
        Self {
            ratio: config.circuit_failure_ratio,
            min_calls: config.circuit_min_calls,
            window: config.circuit_window,
            open_for: config.circuit_open_for,
            state: Mutex::new(State {
                calls: VecDeque::new(),
                open_until: None,
                probing: false,
                opened: 0,
            }),
        }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// A permit to call, or how long the breaker stays open.
    pub fn try_acquire(&self) -> Result<Permit<'_>, Duration> {
        let now = Instant::now();
        let mut state = self.state();
        let probe = match state.open_until {
            None => false,
            Some(until) if now < until => return Err(until - now),
            Some(_) if state.probing => return Err(Duration::ZERO),
            Some(_) => {
                state.probing = true;
                true
            }
        };
        Ok(Permit {
            breaker: self,
            probe,
            recorded: false,
        })
    }

    fn record(&self, probe: bool, ok: bool) {
        let now = Instant::now();
        let mut state = self.state();
        if probe {
            state.probing = false;
            if ok {
                state.open_until = None;
                state.calls.clear();
            } else {
                state.open_until = Some(now + self.open_for);
                state.opened += 1;
            }
            return;
        }
        if state.open_until.is_some() {
            // A call let through before the breaker opened: the probe decides.
            return;
        }
        state.calls.push_back((now, !ok));
        while state
            .calls
            .front()
            .is_some_and(|(at, _)| now.duration_since(*at) > self.window)
        {
            state.calls.pop_front();
        }
        let total = state.calls.len();
        let failed = state.calls.iter().filter(|(_, f)| *f).count();
        if total >= self.min_calls as usize && failed as f64 >= self.ratio * total as f64 {
            state.open_until = Some(now + self.open_for);
            state.opened += 1;
            state.calls.clear();
            tracing::warn!(failed, total, "disjoncteur ouvert");
        }
    }

    /// The current state.
    pub fn state_now(&self) -> CircuitState {
        let state = self.state();
        match state.open_until {
            None => CircuitState::Closed,
            Some(_) if state.probing => CircuitState::HalfOpen,
            Some(until) if Instant::now() < until => CircuitState::Open,
            Some(_) => CircuitState::HalfOpen,
        }
    }

    /// How many times the breaker opened.
    pub fn times_opened(&self) -> u64 {
        self.state().opened
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn breaker() -> CircuitBreaker {
        CircuitBreaker::new(&HttpConfig {
            circuit_failure_ratio: 0.5,
            circuit_min_calls: 4,
            circuit_window: Duration::from_secs(10),
            circuit_open_for: Duration::from_millis(50),
            ..HttpConfig::default()
        })
    }

    #[tokio::test]
    async fn opens_on_failures_probes_and_closes() {
        let b = breaker();
        for ok in [true, false, true] {
            b.try_acquire().unwrap().record(ok);
        }
        assert_eq!(b.state_now(), CircuitState::Closed, "3 calls < min_calls");
        b.try_acquire().unwrap().record(false);
        assert_eq!(b.state_now(), CircuitState::Open, "2 failures of 4 = 50 %");
        assert!(b.try_acquire().is_err());
        tokio::time::sleep(Duration::from_millis(60)).await;
        let probe = b.try_acquire().unwrap();
        assert!(b.try_acquire().is_err(), "one probe at a time");
        probe.record(false);
        assert_eq!(b.state_now(), CircuitState::Open, "failed probe reopens");
        tokio::time::sleep(Duration::from_millis(60)).await;
        b.try_acquire().unwrap().record(true);
        assert_eq!(b.state_now(), CircuitState::Closed);
        assert_eq!(b.times_opened(), 2);
    }

    #[tokio::test]
    async fn an_abandoned_probe_frees_its_place() {
        let b = breaker();
        for _ in 0..4 {
            b.try_acquire().unwrap().record(false);
        }
        tokio::time::sleep(Duration::from_millis(60)).await;
        drop(b.try_acquire().unwrap());
        assert!(b.try_acquire().is_ok());
    }
}
