import psycopg


def test_postgres_server_answers(pg_url: str) -> None:
    with psycopg.connect(pg_url) as conn:
        assert conn.execute("SELECT 1 + 1").fetchone() == (2,)
        assert conn.info.server_version >= 150000
