"""Services (/manage/services): the store's services and their prices and payment rules."""
