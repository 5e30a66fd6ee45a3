package closeout.lib_test

import rego.v1

import data.closeout.lib

test_day_number_counts_from_1970 if {
	lib.day_number("1970-01-01") == 0
	lib.day_number("1970-03-01") == 59
	lib.day_number("2000-02-29") == 11016
	lib.day_number("2026-11-20") == 20777
	lib.day_number("1969-12-31") == -1
}

test_day_number_reaches_every_four_digit_year if {
	lib.day_number("9999-12-31") == 2932896
	lib.day_number("0001-01-01") == -719162
	lib.day_number("2263-01-01") - lib.day_number("2262-12-31") == 1
}

test_date_of_day_inverts_day_number if {
	every date in ["1970-01-01", "2000-02-29", "2026-11-20", "2027-03-01", "9999-12-31", "0001-01-01", "1600-02-29"] {
		lib.date_of_day(lib.day_number(date)) == date
	}
}

test_group_pairs_groups_sorted_values_by_key if {
	lib.group_pairs([["b", "2"], ["a", "9"], ["b", "1"], ["c", "3"], ["a", "1"]]) == {"a": ["1", "9"], "b": ["1", "2"], "c": ["3"]}
	lib.group_pairs([]) == {}
}

test_list_text_caps_long_lists if {
	lib.list_text(["a", "b"], 2) == "a, b"
	lib.list_text(["a", "b", "c"], 2) == "a, b and 1 more"
	lib.list_of(["a"], 5, 1) == "a and 4 more"
}
