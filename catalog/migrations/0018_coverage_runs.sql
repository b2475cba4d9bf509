-- Coverage bitmaps gain a tag byte (catalog/src/coverage.rs, `Stored`):
-- 0 = the bitmap as it is, 1 = runs of equal bytes. Existing rows are
-- bitmaps as they are.
UPDATE viewing_progress SET seconds = unhex('00' || hex(seconds));
