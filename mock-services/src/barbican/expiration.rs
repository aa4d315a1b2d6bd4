//! A secret's `expiration` as Barbican 23 reads it
//! (`NewSecretValidator._extract_expiration`): oslo's `parse_isotime`,
//! which is the `iso8601` library (2.1, read in the live venv: one regular
//! expression, whose backtracking this module follows, then Python's
//! `datetime`), normalised to naive UTC, and refused unless it is after
//! the time now. A secret past its expiration is gone from every lookup
//! and list (Barbican's queries filter `expiration > utcnow`).

use axum::http::StatusCode;
use time::{Date, Month, PrimitiveDateTime, Time};

use super::Refusal;

/// The groups of `ISO8601_REGEX` that matched.
#[derive(Debug, Default, Clone)]
struct Groups<'a> {
    year: &'a str,
    month: Option<&'a str>,
    day: Option<&'a str>,
    clock: Option<Clock<'a>>,
}

/// The time of day and zone groups.
#[derive(Debug, Default, Clone)]
struct Clock<'a> {
    hour: &'a str,
    minute: Option<&'a str>,
    second: Option<&'a str>,
    fraction: Option<&'a str>,
    zone: Option<Zone<'a>>,
}

/// The `timezone` group.
#[derive(Debug, Clone)]
enum Zone<'a> {
    Utc,
    Offset {
        negative: bool,
        hours: &'a str,
        minutes: Option<&'a str>,
    },
}

/// `s` split after `n` ASCII digits, if it starts with them.
fn digits(s: &str, n: usize) -> Option<(&str, &str)> {
    let head = s.get(..n)?;
    head.bytes()
        .all(|b| b.is_ascii_digit())
        .then(|| (head, &s[n..]))
}

/// `[0-9]{1,2}` after a `-`, greedy: two digits, then one.
fn dashed(s: &str) -> Vec<(&str, &str)> {
    let Some(rest) = s.strip_prefix('-') else {
        return Vec::new();
    };
    [2, 1].iter().filter_map(|&n| digits(rest, n)).collect()
}

/// `:{0,1}` then what `then` matches, greedy: with the colon first.
fn colon_then<'a, T>(s: &'a str, then: impl Fn(&'a str) -> Vec<(T, &'a str)>) -> Vec<(T, &'a str)> {
    let mut out = s.strip_prefix(':').map(&then).unwrap_or_default();
    out.extend(then(s));
    out
}

/// A way the `second` and `fraction` groups match, and what follows.
type Seconds<'a> = ((Option<&'a str>, Option<&'a str>), &'a str);

/// The ways the time group (from the separator on) can match the start of
/// `s`, in the order the regex tries them.
fn clocks(s: &str) -> Vec<(Clock<'_>, &str)> {
    let Some(rest) = s.strip_prefix([' ', 'T']) else {
        return Vec::new();
    };
    let Some((hour, rest)) = digits(rest, 2) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let mut minutes: Vec<(Option<&str>, &str)> = colon_then(rest, |r| {
        digits(r, 2)
            .map(|(m, r)| (Some(m), r))
            .into_iter()
            .collect()
    });
    minutes.push((None, rest));
    for (minute, rest) in minutes {
        let mut seconds: Vec<Seconds<'_>> = colon_then(rest, |r| {
            let mut found = Vec::new();
            for (second, r) in [2, 1].iter().filter_map(|&n| digits(r, n)) {
                found.extend(
                    fractions(r)
                        .into_iter()
                        .map(|(f, r)| ((Some(second), Some(f)), r)),
                );
                found.push(((Some(second), None), r));
            }
            found
        });
        seconds.push(((None, None), rest));
        for ((second, fraction), rest) in seconds {
            for (zone, rest) in zones(rest) {
                let clock = Clock {
                    hour,
                    minute,
                    second,
                    fraction,
                    zone,
                };
                out.push((clock, rest));
            }
        }
    }
    out
}

/// `[.,][0-9]+`, greedy: the longest run of digits first.
fn fractions(s: &str) -> Vec<(&str, &str)> {
    let Some(rest) = s.strip_prefix(['.', ',']) else {
        return Vec::new();
    };
    let run = rest.bytes().take_while(u8::is_ascii_digit).count();
    (1..=run).rev().map(|n| (&rest[..n], &rest[n..])).collect()
}

/// The `timezone` group's ways (then its absence).
fn zones(s: &str) -> Vec<(Option<Zone<'_>>, &str)> {
    let mut out = Vec::new();
    if let Some(rest) = s.strip_prefix('Z') {
        out.push((Some(Zone::Utc), rest));
    }
    let sign = s.chars().next().filter(|c| matches!(c, '-' | '+'));
    if let Some((hours, rest)) = sign.and_then(|_| digits(&s[1..], 2)) {
        let negative = s.starts_with('-');
        let offsets = colon_then(rest, |r| {
            let mut found: Vec<(Option<&str>, &str)> = digits(r, 2)
                .map(|(m, r)| (Some(m), r))
                .into_iter()
                .collect();
            found.push((None, r));
            found
        });
        for (minutes, rest) in offsets {
            let zone = Zone::Offset {
                negative,
                hours,
                minutes,
            };
            out.push((Some(zone), rest));
        }
    }
    out.push((None, s));
    out
}

/// `ISO8601_REGEX.match(s)` (anchored, ending in `$`): the first way the
/// regex's backtracking finds. (Python's `$` also matches before a final
/// newline; `load_body` has stripped it.)
fn match_groups(s: &str) -> Option<Groups<'_>> {
    let (year, rest) = digits(s, 4)?;
    let mut candidates = Vec::new();
    let mut months = dashed(rest);
    // `[0-9]{2}(?!$)`: YYYYMM is not a date.
    months.extend(digits(rest, 2).filter(|(_, r)| !r.is_empty()));
    for (month, rest) in months {
        let mut days = dashed(rest);
        days.extend(digits(rest, 2));
        for (day, rest) in days {
            for (clock, rest) in clocks(rest) {
                candidates.push((Some(month), Some(day), Some(clock), rest));
            }
            candidates.push((Some(month), Some(day), None, rest));
        }
        candidates.push((Some(month), None, None, rest));
    }
    candidates.push((None, None, None, rest));
    let (month, day, clock, _) = candidates.into_iter().find(|c| c.3.is_empty())?;
    Some(Groups {
        year,
        month,
        day,
        clock,
    })
}

/// What reading an expiration can come to besides a time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Unread {
    /// `iso8601.ParseError`: "Invalid date for 'expiration'".
    Invalid,
    /// Normalising to UTC left Python's calendar (years 1–9999): an
    /// `OverflowError` Barbican does not catch.
    Overflow,
}

/// `parse_date`: the wall-clock time written and the zone's offset in
/// minutes east of UTC.
fn parse_date(s: &str) -> Result<(PrimitiveDateTime, i64), Unread> {
    let groups = match_groups(s).ok_or(Unread::Invalid)?;
    let number = |s: &str| s.parse::<u32>().map_err(|_| Unread::Invalid);
    let year = i32::try_from(number(groups.year)?).map_err(|_| Unread::Invalid)?;
    let month = groups.month.map_or(Ok(1), number)?;
    let day = groups.day.map_or(Ok(1), number)?;
    let clock = groups.clock.unwrap_or_default();
    let hour = if clock.hour.is_empty() {
        0
    } else {
        number(clock.hour)?
    };
    let minute = clock.minute.map_or(Ok(0), number)?;
    let second = clock.second.map_or(Ok(0), number)?;
    // `int(Decimal("0." + fraction) * 1000000)`: the first six digits.
    let micro = clock.fraction.map_or(Ok(0), |f| {
        let six: String = f.chars().chain(std::iter::repeat('0')).take(6).collect();
        number(&six)
    })?;
    if year < 1 {
        return Err(Unread::Invalid);
    }
    let month = u8::try_from(month)
        .ok()
        .and_then(|m| Month::try_from(m).ok());
    let date = month
        .and_then(|m| Date::from_calendar_date(year, m, u8::try_from(day).ok()?).ok())
        .ok_or(Unread::Invalid)?;
    let small = |n: u32| u8::try_from(n).map_err(|_| Unread::Invalid);
    let time = Time::from_hms_micro(small(hour)?, small(minute)?, small(second)?, micro)
        .map_err(|_| Unread::Invalid)?;
    let offset_minutes = match clock.zone {
        None | Some(Zone::Utc) => 0,
        Some(Zone::Offset {
            negative,
            hours,
            minutes,
        }) => {
            let total = i64::from(number(hours)?) * 60 + i64::from(minutes.map_or(Ok(0), number)?);
            // `datetime.timezone` takes only offsets under a day.
            if total >= 24 * 60 {
                return Err(Unread::Invalid);
            }
            if negative {
                -total
            } else {
                total
            }
        }
    };
    Ok((PrimitiveDateTime::new(date, time), offset_minutes))
}

/// `parse_date` and `normalize_time`: microseconds since the epoch, UTC.
fn read(s: &str) -> Result<i64, Unread> {
    let (local, offset_minutes) = parse_date(s)?;
    let utc = local
        .assume_utc()
        .checked_sub(time::Duration::minutes(offset_minutes))
        .filter(|t| (1..=9999).contains(&t.year()))
        .ok_or(Unread::Overflow)?;
    i64::try_from(utc.unix_timestamp_nanos() / 1000).map_err(|_| Unread::Overflow)
}

/// A date in a list's `created`, `updated` or `expiration` filter as
/// Barbican 23 compares it (`timeutils.parse_isotime`, then bound to
/// sqlite by its fields, so the zone is dropped: `gt:…T17:00+05:00` is
/// after 17:00 UTC, recorded live): microseconds since the epoch of the
/// wall-clock time written, `None` where Barbican answers 400.
pub(super) fn filter_date(s: &str) -> Option<i64> {
    // Python's `$` also matches before a final newline.
    let s = s.strip_suffix('\n').unwrap_or(s);
    let (local, _) = parse_date(s).ok()?;
    i64::try_from(local.assume_utc().unix_timestamp_nanos() / 1000).ok()
}

/// A new secret's expiration (`None`: it never expires) as Barbican 23
/// reads it at `now` (µs since the epoch), or its refusal: 400 "Invalid
/// date for 'expiration'" or "'expiration' is before current time", and
/// the 500 Barbican answers when normalising overflows.
pub(super) fn expiration(raw: Option<&str>, now: u64) -> Result<Option<u64>, Refusal> {
    let Some(raw) = raw.map(crate::python::strip).filter(|r| !r.is_empty()) else {
        return Ok(None);
    };
    let refusal = |reason: &str| {
        Refusal::new(
            StatusCode::BAD_REQUEST,
            format!(
                "Provided object does not match schema 'Secret': {reason}. Invalid property: \
                 'expiration'"
            ),
        )
    };
    match read(raw) {
        Ok(at) => match u64::try_from(at).ok().filter(|&at| at > now) {
            Some(at) => Ok(Some(at)),
            None => Err(refusal("'expiration' is before current time")),
        },
        Err(Unread::Invalid) => Err(refusal("Invalid date for 'expiration'")),
        Err(Unread::Overflow) => Err(Refusal::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "Secret creation failure seen - please contact site administrator.",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::{read, Unread};
    use crate::http::iso_naive;

    fn shown(s: &str) -> Result<String, Unread> {
        read(s).map(|us| iso_naive(u64::try_from(us).unwrap()))
    }

    #[test]
    fn dates_read_as_iso8601_reads_them() {
        let cases = [
            ("2999-01-01T00:00:00Z", "2999-01-01T00:00:00"),
            ("2999-01-01", "2999-01-01T00:00:00"),
            (
                "2999-01-01T12:30:45.123456789+05:30",
                "2999-01-01T07:00:45.123456",
            ),
            ("2999-06-15 08:00", "2999-06-15T08:00:00"),
            ("29990615T080000Z", "2999-06-15T08:00:00"),
            ("2999-121", "2999-01-21T00:00:00"),
            ("2999", "2999-01-01T00:00:00"),
            ("2999-01-01T00:00:00,5Z", "2999-01-01T00:00:00.500000"),
            ("2999-01-01T00:00:00-0130", "2999-01-01T01:30:00"),
            ("2999-01-01T00:00:00+01", "2998-12-31T23:00:00"),
            ("2999-1-5", "2999-01-05T00:00:00"),
            ("2999-01-01T10:5", "2999-01-01T10:00:05"),
            ("2999-01-01T00:00:00+23:59", "2998-12-31T00:01:00"),
            ("2999-01-01T00:00:00.1234567Z", "2999-01-01T00:00:00.123456"),
        ];
        for (given, stored) in cases {
            assert_eq!(shown(given), Ok(stored.to_owned()), "{given}");
        }
        for bad in [
            "299901",
            "2999-1-5T1:2",
            "2999-13-01",
            "2999-02-30",
            "2999-01-01T24:00:00",
            "2999-01-01T00:00:60",
            "2999-01-01T00:00:00+99:00",
            "2999-01-01T00:00:00-24:00",
            "2999-01-01t00:00:00z",
            "0000-01-01",
            "not a date",
            "２９９９-01-01",
        ] {
            assert_eq!(read(bad), Err(Unread::Invalid), "{bad}");
        }
        for over in ["0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00"] {
            assert_eq!(read(over), Err(Unread::Overflow), "{over}");
        }
    }
}
