//! Calendar arithmetic for Unix timestamps (UTC), shared by the server and the browser without a date
//! library. Valid for every date from 1970 on.

/// (year, month, day, hour, minute) in UTC.
pub fn civil(unix: i64) -> (i64, u32, u32, u32, u32) {
    let days = unix.div_euclid(86_400);
    let secs = unix.rem_euclid(86_400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day, (secs / 3_600) as u32, (secs % 3_600 / 60) as u32)
}

/// `2026-11-22 06:25 UTC`.
pub fn utc(unix: i64) -> String {
    let (y, mo, d, h, mi) = civil(unix);
    format!("{y:04}-{mo:02}-{d:02} {h:02}:{mi:02} UTC")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_dates() {
        assert_eq!(utc(0), "1970-01-01 00:00 UTC");
        assert_eq!(utc(1_700_000_000), "2023-11-14 22:13 UTC");
        assert_eq!(civil(951_782_400), (2000, 2, 29, 0, 0));
        assert_eq!(utc(1_798_761_599), "2026-12-31 23:59 UTC");
    }
}
