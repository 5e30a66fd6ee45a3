package closeout.lib

import rego.v1

# Helpers the provider packages share. No condition lives here, so no snapshot
# is ever served by this package.

# {key: [value, ...]} from [[key, value], ...], each key's values sorted, in
# O(n log n): one sort, then one pass that finds where each key's run of pairs
# starts. The obvious way, a comprehension over every pair for each key, is
# quadratic, and a large account holds tens of thousands of records.
group_pairs(pairs) := groups if {
	sorted := sort(pairs)
	starts := [i | some i, _ in sorted; run_starts(sorted, i)]
	groups := {sorted[start][0]: values |
		some k, start in starts
		values := [pair[1] | some pair in array.slice(sorted, start, run_end(starts, k, count(sorted)))]
	}
}

run_starts(_, i) if i == 0

run_starts(sorted, i) if {
	i > 0
	sorted[i - 1][0] != sorted[i][0]
}

run_end(starts, k, total) := starts[k + 1] if {
	k + 1 < count(starts)
} else := total

# "a, b, c" for at most `limit` items, then "and N more": a message stays
# short however many records an account holds.
list_text(items, limit) := list_of(items, count(items), limit)

# The same for the first items of a list of `total`.
list_of(items, total, limit) := concat(", ", items) if {
	total <= limit
} else := sprintf("%s and %d more", [concat(", ", array.slice(items, 0, limit)), total - limit])

# Days since 1970-01-01 of a YYYY-MM-DD date, by arithmetic alone (Howard
# Hinnant's days_from_civil), so that every four-digit year works: time
# builtins count nanoseconds, which stop at 2262.
day_number(date) := n if {
	year := year_of(date)
	month := digits(substring(date, 5, 2))
	day := digits(substring(date, 8, 2))
	y := year - january_or_february(month)
	era := floor(y / 400)
	yoe := y - (era * 400)
	doy := (floor(((153 * march_based(month)) + 2) / 5) + day) - 1
	doe := (((yoe * 365) + floor(yoe / 4)) - floor(yoe / 100)) + doy
	n := ((era * 146097) + doe) - 719468
}

# The year of a date or RFC 3339 time ("0001-..." is 1).
year_of(text) := digits(substring(text, 0, 4))

# The number a string of decimal digits spells, leading zeros and all:
# regorus's to_number refuses "09" (JSON numbers have no leading zeros), so
# a "1" goes in front and comes off again.
digits(text) := to_number(concat("", ["1", text])) - ten_to[count(text)]

ten_to := {1: 10, 2: 100, 3: 1000, 4: 10000}

january_or_february(month) := 1 if month <= 2

january_or_february(month) := 0 if month > 2

march_based(month) := month - 3 if month > 2

march_based(month) := month + 9 if month <= 2

# The YYYY-MM-DD date of a day number (civil_from_days), for days in the years
# 0000 to 9999.
date_of_day(n) := sprintf("%04d-%02d-%02d", [year, month, day]) if {
	z := n + 719468
	era := floor(z / 146097)
	doe := z - (era * 146097)
	yoe := floor((((doe - floor(doe / 1460)) + floor(doe / 36524)) - floor(doe / 146096)) / 365)
	doy := doe - (((365 * yoe) + floor(yoe / 4)) - floor(yoe / 100))
	mp := floor(((5 * doy) + 2) / 153)
	day := (doy - floor(((153 * mp) + 2) / 5)) + 1
	month := civil_month(mp)
	year := ((yoe + (era * 400)) + january_or_february(month))
}

civil_month(mp) := mp + 3 if mp < 10

civil_month(mp) := mp - 9 if mp >= 10
