"""`make bench`: load the app on 127.0.0.1 and report its figures as ratios to a baseline."""
