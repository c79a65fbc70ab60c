"""Store (/manage/store): the store's details, photos and booking on the store's own website."""
