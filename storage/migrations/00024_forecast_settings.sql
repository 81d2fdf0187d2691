-- +goose Up
-- Forecast settings per queue (issue 12, the forecast and staffing page): the shrinkage the
-- staffing divides the required agents by (the share of paid time agents are not on the phones:
-- absence, training, coaching, meetings). A queue without a row uses 0.3 (30 %).
CREATE TABLE forecast_settings (
    queue      text PRIMARY KEY,
    shrinkage  double precision NOT NULL CHECK (shrinkage >= 0 AND shrinkage < 0.9),
    updated_by text NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- +goose Down
DROP TABLE forecast_settings;
