"""Subscription (/manage/subscription): the plan, its usage and upgrading."""
