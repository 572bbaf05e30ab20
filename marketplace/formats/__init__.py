"""Date and number formats per language (FORMAT_MODULE_PATH): unambiguous everywhere.

A date is never all digits in an order a reader must guess ("12/02/2026" is 2 December to
some and 12 February to others): English and Malay write the day, the month's short name
and the year ("2 Dec 2026", "2 Dis 2026"), Chinese writes 年月日 ("2026年12月2日"). Times
are 24-hour. What a format module leaves out comes from Django's own locale.
"""
