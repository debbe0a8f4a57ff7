"""Small made-up rating files in every supported format, good and broken, written out for the reader tests.

They are kept as bytes here rather than as files named like the real data sets (u.data, ratings.csv, ...),
which may not be redistributed: nothing below is MovieLens data (titles like "Alpha Quest", example.org URLs).
"""

from __future__ import annotations

from pathlib import Path

FILES: dict[str, bytes] = {
    "csv/items.csv": (
        b"item,title,genres\n"
        b'book-a,"Apples, Pears (2001)",Cooking|Garden\n'
        b"book-b,Bees,\n"
        b"book-c,Clouds (1988),\n"
        b"book-d,Dunes,Travel\n"
    ),
    "csv/ratings_semicolon.csv": (b"user;item;rating\nann;book-a;4\nann;book-b;2\nbob;book-a;5\ncy;book-c;1\n"),
    "csv/ratings_tab.tsv": (b"u2\ti1\t3\t100\nu1\ti2\t4\t101\n\nu1\ti1\t5\t102\n"),
    "csv_broken/empty.csv": (b"\n\n"),
    "csv_broken/header_only.csv": (b"user,item,rating\n"),
    "csv_broken/items.csv": (b"item,title\nbook-a,Apples\n"),
    "csv_broken/ratings.csv": (b"user,item,rating\nann,book-a,4\nann,book-b\nbob,book-a,lots\nbob,book-b,4,1,2\n"),
    "csv_broken/ratings_unknown_item.csv": (b"ann,book-a,4\nann,book-z,4\n"),
    "ml100k/u.data": (
        b"10\t1\t5\t881250949\n"
        b"10\t2\t3\t881250950\n"
        b"10\t3\t4\t881250951\n"
        b"2\t1\t1\t881250952\n"
        b"2\t3\t5\t881250953\n"
        b"10\t2\t4\t881250999\n"
        b"7\t4\t2\t881250954\n"
    ),
    "ml100k/u.genre": (b"unknown|0\nAction|1\nComedy|2\nDrama|3\n\n"),
    "ml100k/u.item": (
        b"1|Alpha Quest (1994)|01-Jan-1994||http://example.org/1|0|1|0|0\n"
        b"2|Cr\xe8me Br\xfbl\xe9e|05-Mar-1996||http://example.org/2|0|0|1|1\n"
        b"3|Gamma Ray (1990)|||http://example.org/3|0|1|0|1\n"
        b"4|unknown||||1|0|0|0\n"
        b"5|Epsilon Nights (1999)|01-Jan-1999||http://example.org/5|0|0|0|1\n"
    ),
    "ml100k_broken/u.data": (
        b"10\t1\t5\t881250949\n10\t2\tfive\t881250950\n2\t1\t1\n2\t2\t4\t88125.5\n3\t9\t4\t881250953\n"
    ),
    "ml100k_broken/u.genre": (b"unknown|0\nAction|1\nComedy|2\nDrama|3\n"),
    "ml100k_broken/u.item": (
        b"1|Alpha Quest (1994)|01-Jan-1994||http://example.org/1|0|1|0|0\n"
        b"2|Beta (1996)|01-Jan-1996||http://example.org/2|0|0|1|1\n"
    ),
    "ml1m/movies.dat": (
        b"1::Alpha Quest (1994)::Action|Comedy\n2::B\xeata, The (1996)::Drama\n3::Gamma Ray (1990)::Action\n"
    ),
    "ml1m/ratings.dat": (
        b"1::1::5::978300760\n1::2::3::978302109\n2::2::4::978301968\n2::3::2::978300275\n3::1::4::978824291\n"
    ),
    "ml1m_broken/movies.dat": (b"1::Alpha Quest (1994)::Action\n2::Beta (1996)\n"),
    "ml1m_broken/ratings.dat": (b"1::1::5::978300760\n"),
    "movielens_csv/movies.csv": (
        b"movieId,title,genres\n"
        b"1,Alpha Quest (1994),Action|Comedy\n"
        b'2,"Beta, The (1996)",Drama\n'
        b'3,"Gamma ""Ray"" (2006\xe2\x80\x932007)",(no genres listed)\n'
        b"4,Delta,Comedy\n"
    ),
    "movielens_csv/ratings.csv": (
        b"userId,movieId,rating,timestamp\n1,1,4.0,964982703\n1,2,0.5,964981247\n2,3,5.0,964982224\n2,1,3.5,964983815\n"
    ),
    "movielens_csv_broken/movies.csv": (b"movieId,title,genres\n1,Alpha Quest (1994),Action\n"),
    "movielens_csv_broken/ratings.csv": (b"userId,movieId,rating,timestamp\n1,1,4.0,964982703\n1,7,3.0,964982704\n"),
}


def reader_fixtures_write(folder: Path) -> Path:
    """Writes every file under `folder` (one sub-folder per format) and returns `folder`."""
    for relpath, content in FILES.items():
        path = folder / relpath
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
    return folder
