"""The statistics pages of the benchmark (`bench/run.py --mix statistics`), read by
bench/locustfile.py (the load) and bench/explain.py (the query plans): one line each,
(label, who, path). `who` is "leader" (the ward's leader: the ward and the units below
it), "overseer" (the city overseer: every agency) or None (anonymous).

`{start}`/`{end}` become a year-long custom period that starts on a random day of the
past three years (the same fixed year in explain.py): the public report is cached per
period for ten minutes, so those requests measure the figures computed afresh, while
the plain `/minh-bach/` line measures the page as most visitors get it (cached). The
back office's month and year pages and the radar keep what they read from the
summaries until the next refresh (`indicators.memo`), so in a run without one they
measure that warm path; `bench/profile_pages.py --statistics --cold` measures them
computed afresh.

The bottleneck radar is read from its summaries like the statistics, so it runs here too.
"""

STATISTICS = [
    ("statistics: leader, month", "leader", "/mot-cua/thong-ke/?ky=month"),
    ("statistics: leader, year", "leader", "/mot-cua/thong-ke/?ky=year"),
    ("statistics: city, month", "overseer", "/mot-cua/thong-ke/?ky=month"),
    ("statistics: city, year", "overseer", "/mot-cua/thong-ke/?ky=year"),
    (
        "statistics: drill-down, leader",
        "leader",
        "/mot-cua/thong-ke/ho-so/?ky=year&chi-so=finished_late",
    ),
    (
        "statistics: drill-down, city",
        "overseer",
        "/mot-cua/thong-ke/ho-so/?ky=year&chi-so=finished",
    ),
    ("statistics: XLSX, city year", "overseer", "/mot-cua/thong-ke/?ky=year&xuat=xlsx"),
    ("radar: leader", "leader", "/mot-cua/diem-nghen/"),
    ("radar: city", "overseer", "/mot-cua/diem-nghen/"),
    ("transparency page", None, "/minh-bach/"),
    ("transparency page, a year uncached", None, "/minh-bach/?tu={start}&den={end}"),
    (
        "statistics API, a year uncached",
        None,
        "/api/v1/statistics/agencies/?from={start}&to={end}",
    ),
]
