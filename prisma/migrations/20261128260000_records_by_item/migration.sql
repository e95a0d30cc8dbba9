-- The analysis reads a data set's records item by item, (fingerprint, recordId) in order: it
-- attributes an item once and gives its copies the same attribution.
DROP INDEX "exposure_records_dataset_id_fingerprint_idx";
CREATE INDEX "exposure_records_dataset_id_fingerprint_record_id_idx" ON "exposure_records"("dataset_id", "fingerprint", "record_id");
