"""Generated temporary passwords meet the password rules and do not repeat."""

from app.users.schemas import UserCreate
from app.users.service import TEMPORARY_ALPHABET, generate_temporary_password


def test_meets_the_password_rules() -> None:
    for _ in range(200):
        password = generate_temporary_password()
        UserCreate(email="someone@example.com", password=password)


def test_reads_without_look_alikes() -> None:
    password = generate_temporary_password()
    groups = password.split("-")
    assert [len(group) for group in groups] == [4, 4, 4]
    assert set("".join(groups)) <= set(TEMPORARY_ALPHABET)
    assert not set("01ilo") & set(TEMPORARY_ALPHABET)


def test_does_not_repeat() -> None:
    assert len({generate_temporary_password() for _ in range(1000)}) == 1000
