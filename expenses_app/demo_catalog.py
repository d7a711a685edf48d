"""What demo expenses look like: plausible items, prices and habits per category."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Item:
    description: str
    low: float  # typical price range in currency units; only used to draw cents
    high: float


@dataclass(frozen=True)
class Profile:
    """How often a category is used, what is bought there and how it is paid."""

    weight: int
    items: tuple[Item, ...]
    payment_weights: tuple[int, int, int, int, int, int]  # in PAYMENT_METHODS order


# Keys are the name_key()s of the default categories.
PROFILES: dict[str, Profile] = {
    "food": Profile(
        34,
        (
            Item("Groceries", 15, 140),
            Item("Supermarket top-up", 4, 30),
            Item("Coffee", 2.5, 6),
            Item("Lunch near the office", 8, 18),
            Item("Bakery", 2, 12),
            Item("Dinner out", 25, 110),
            Item("Takeaway pizza", 12, 35),
            Item("Farmers market", 6, 40),
        ),
        (25, 20, 40, 0, 15, 0),
    ),
    "transport": Profile(
        18,
        (
            Item("Fuel", 35, 95),
            Item("Bus ticket", 1.8, 4),
            Item("Train ticket", 6, 90),
            Item("Taxi", 9, 45),
            Item("Parking", 2, 25),
            Item("Monthly transit pass", 49, 90),
            Item("Car service", 120, 600),
        ),
        (15, 30, 30, 5, 20, 0),
    ),
    "shopping": Profile(
        14,
        (
            Item("Clothes", 20, 180),
            Item("Shoes", 45, 160),
            Item("Household goods", 5, 60),
            Item("Electronics", 30, 900),
            Item("Books", 8, 45),
            Item("Online order", 10, 250),
            Item("Gift", 15, 120),
        ),
        (5, 50, 30, 0, 10, 5),
    ),
    "bills": Profile(
        12,
        (
            Item("Electricity", 40, 180),
            Item("Water", 20, 70),
            Item("Internet", 25, 60),
            Item("Mobile phone", 10, 45),
            Item("Rent", 600, 1800),
            Item("Home insurance", 15, 60),
            Item("Streaming subscription", 5, 18),
        ),
        (0, 20, 20, 55, 0, 5),
    ),
    "entertainment": Profile(
        12,
        (
            Item("Cinema", 9, 30),
            Item("Concert tickets", 35, 150),
            Item("Video game", 15, 70),
            Item("Museum", 8, 25),
            Item("Drinks with friends", 12, 60),
            Item("Bowling", 15, 45),
        ),
        (20, 40, 25, 0, 15, 0),
    ),
    "health": Profile(
        10,
        (
            Item("Pharmacy", 4, 40),
            Item("Dentist", 60, 300),
            Item("Doctor visit", 30, 120),
            Item("Gym membership", 20, 60),
            Item("Glasses", 90, 400),
            Item("Vitamins", 8, 30),
        ),
        (15, 35, 35, 5, 10, 0),
    ),
}

# Categories a user made themselves get generic items.
GENERIC = Profile(
    6,
    (
        Item("Purchase", 5, 80),
        Item("Payment", 10, 200),
        Item("Miscellaneous", 2, 40),
    ),
    (20, 30, 30, 5, 10, 5),
)

TAG_NAMES = (
    "work",
    "family",
    "travel",
    "weekend",
    "kids",
    "gift",
    "subscription",
    "reimbursable",
    "holiday",
    "home",
)

NOTES = (
    "Split with a friend.",
    "Paid in two parts.",
    "Keep the receipt for taxes.",
    "Price went up since last time.",
    "Ask for a refund if it breaks.",
    "Birthday present.",
    "Bought on sale.",
)
