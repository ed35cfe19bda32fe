//! The positive comparison of each operator family, and value parsing.

use std::str::FromStr;

use crate::{
    condition::{Base, Cmp, Value},
    request::Context,
};

fn cmp<T: PartialOrd>(c: Cmp, a: T, b: T) -> bool {
    match c {
        Cmp::Eq => a == b,
        Cmp::Lt => a < b,
        Cmp::Le => a <= b,
        Cmp::Gt => a > b,
        Cmp::Ge => a >= b,
    }
}

/// Parses an IP or CIDR; a bare address is a /32 (or /128).
pub fn parse_net(s: &str) -> Option<ipnet::IpNet> {
    let s = s.trim();
    ipnet::IpNet::from_str(s)
        .ok()
        .or_else(|| std::net::IpAddr::from_str(s).ok().map(ipnet::IpNet::from))
}

fn decode_base64(s: &str) -> Option<Vec<u8>> {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD
        .decode(s.trim())
        .ok()
}

/// Parses a binary condition value.
pub fn parse_binary(s: &str) -> Option<Vec<u8>> {
    decode_base64(s)
}

/// Whether `request` satisfies the positive form against one policy value. `None` when the
/// request value does not parse for the family.
pub fn positive(base: Base, request: &str, policy: &Value, ctx: &Context) -> Option<bool> {
    Some(match (base, policy) {
        (Base::StringEquals, Value::Text(t)) => t.text(ctx).is_some_and(|p| p == request),
        (Base::StringEqualsIgnoreCase, Value::Text(t)) => t
            .text(ctx)
            .is_some_and(|p| p.to_lowercase() == request.to_lowercase()),
        (Base::StringLike, Value::Text(t)) => t.glob(ctx).is_some_and(|g| g.matches(request)),
        (Base::Numeric(c), Value::Number(p)) => cmp(c, f64::from_str(request.trim()).ok()?, *p),
        (Base::Date(c), Value::Date(p)) => cmp(c, parse_date_millis(request)?, *p),
        (Base::Bool, Value::Bool(p)) => {
            let r = match request.to_ascii_lowercase().as_str() {
                "true" => true,
                "false" => false,
                _ => return None,
            };
            r == *p
        }
        (Base::BinaryEquals, Value::Binary(p)) => {
            decode_base64(request).unwrap_or_else(|| request.as_bytes().to_vec()) == *p
        }
        (Base::IpAddress, Value::Net(net)) => {
            let ip = std::net::IpAddr::from_str(request.trim()).ok()?;
            net.contains(&ip)
        }
        (Base::ArnLike, Value::Arn(p)) => p.matches(request, ctx),
        _ => false,
    })
}

fn digits(s: &str) -> Option<i64> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// Dates as AWS accepts them: epoch seconds, or the W3C ISO 8601 profiles (`YYYY`, `YYYY-MM`,
/// `YYYY-MM-DD`, `…Thh:mmTZD`, `…Thh:mm:ssTZD`, `…Thh:mm:ss.sTZD`), in unix milliseconds.
pub fn parse_date_millis(s: &str) -> Option<i128> {
    let s = s.trim();
    if let Some(secs) = digits(s).filter(|_| s.len() > 4) {
        return Some(i128::from(secs) * 1000);
    }
    let (date, time_part) = s.split_once('T').map_or((s, None), |(d, t)| (d, Some(t)));
    let mut d = date.split('-');
    let year = digits(d.next()?)?;
    let month = d.next().map(digits).unwrap_or(Some(1))?;
    let day = d.next().map(digits).unwrap_or(Some(1))?;
    if d.next().is_some() {
        return None;
    }
    let month = time::Month::try_from(u8::try_from(month).ok()?).ok()?;
    let date =
        time::Date::from_calendar_date(i32::try_from(year).ok()?, month, u8::try_from(day).ok()?)
            .ok()?;
    let (hms, offset_secs) = match time_part {
        None => ((0, 0, 0, 0), 0),
        Some(t) => {
            let (clock, offset) = if let Some(c) = t.strip_suffix('Z') {
                (c, 0)
            } else if let Some(pos) = t.rfind(['+', '-']) {
                let (c, off) = t.split_at(pos);
                let sign = if off.starts_with('-') { -1 } else { 1 };
                let (oh, om) = off.get(1..)?.split_once(':')?;
                (c, sign * (digits(oh)? * 3600 + digits(om)? * 60))
            } else {
                return None;
            };
            let mut parts = clock.split(':');
            let h = digits(parts.next()?)?;
            let m = digits(parts.next()?)?;
            let (sec, milli) = match parts.next() {
                None => (0, 0),
                Some(sec) => {
                    let (whole, frac) = sec.split_once('.').unwrap_or((sec, ""));
                    let frac = if frac.is_empty() {
                        0
                    } else {
                        digits(&format!("{frac:0<3}").chars().take(3).collect::<String>())?
                    };
                    (digits(whole)?, frac)
                }
            };
            ((h, m, sec, milli), offset)
        }
    };
    let t = time::Time::from_hms_milli(
        u8::try_from(hms.0).ok()?,
        u8::try_from(hms.1).ok()?,
        u8::try_from(hms.2).ok()?,
        u16::try_from(hms.3).ok()?,
    )
    .ok()?;
    let dt = time::PrimitiveDateTime::new(date, t).assume_utc();
    Some(
        i128::from(dt.unix_timestamp()) * 1000 + i128::from(hms.3) - i128::from(offset_secs) * 1000,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        let base = parse_date_millis("2020-01-01T00:00:00Z").expect("iso");
        assert_eq!(base, 1_577_836_800_000);
        assert_eq!(parse_date_millis("1577836800"), Some(base));
        assert_eq!(parse_date_millis("2020-01-01"), Some(base));
        assert_eq!(parse_date_millis("2020"), Some(base));
        assert_eq!(parse_date_millis("2020-01-01T01:00+01:00"), Some(base));
        assert_eq!(
            parse_date_millis("2020-01-01T00:00:00.250Z"),
            Some(base + 250)
        );
        assert_eq!(parse_date_millis("yesterday"), None);
        assert_eq!(parse_date_millis("2020-13-01"), None);
    }

    #[test]
    fn nets() {
        assert!(parse_net("10.0.0.0/8").is_some());
        assert_eq!(parse_net("192.0.2.1").map(|n| n.prefix_len()), Some(32));
        assert_eq!(parse_net("2001:db8::/32").map(|n| n.prefix_len()), Some(32));
        assert!(parse_net("10.0.0.0/33").is_none());
    }
}
