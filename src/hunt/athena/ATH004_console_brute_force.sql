-- ATH004 console-brute-force: bursts of failed console sign-ins (responseElements.ConsoleLogin
-- = Failure, or errorcode set), per user (account + username, else ARN) and per source IP. A
-- burst opens when {threshold} failures of one key fall within {window_secs}s and takes every
-- later failure of that key less than {window_secs}s after the previous one. Rows: every
-- failure of every burst, plus the first successful ConsoleLogin from one of the burst's
-- addresses once the burst is open and within {window_secs}s of its last failure (then the
-- burst is HIGH, else MEDIUM).
WITH ev AS (
  SELECT eventid, eventtime, sourceipaddress, responseelements, errorcode,
         to_unixtime(from_iso8601_timestamp(eventtime)) AS ts,
         COALESCE(recipientaccountid, useridentity.accountid, '?') || '/'
           || COALESCE(useridentity.username, useridentity.arn, useridentity.invokedby,
                       'unknown user') AS user_key
  FROM {table}
  WHERE eventname = 'ConsoleLogin'
    AND eventtime IS NOT NULL
    {time_filter}
), failures AS (
  SELECT 'user' AS kind, user_key AS k, eventid, eventtime, ts, sourceipaddress FROM ev
  WHERE COALESCE(errorcode, '') <> ''
     OR json_extract_scalar(responseelements, '$.ConsoleLogin') = 'Failure'
  UNION ALL
  SELECT 'ip', sourceipaddress, eventid, eventtime, ts, sourceipaddress FROM ev
  WHERE sourceipaddress IS NOT NULL
    AND (COALESCE(errorcode, '') <> ''
         OR json_extract_scalar(responseelements, '$.ConsoleLogin') = 'Failure')
), gaps AS (
  SELECT f.*,
         row_number() OVER (PARTITION BY kind, k ORDER BY ts, eventid) AS rn,
         CASE WHEN ts - lag(ts) OVER (PARTITION BY kind, k ORDER BY ts, eventid)
                   <= {window_secs} THEN 0 ELSE 1 END AS new_session
  FROM failures f
), sessions AS (
  SELECT g.*,
         sum(new_session) OVER (PARTITION BY kind, k ORDER BY rn) AS session,
         lag(ts, {threshold_minus_1}) OVER (PARTITION BY kind, k ORDER BY rn) AS ts_back,
         lag(rn, {threshold_minus_1}) OVER (PARTITION BY kind, k ORDER BY rn) AS rn_back
  FROM gaps g
), bursts AS (
  -- open_ts: the failure that reaches the threshold; before it there is no burst yet.
  SELECT kind, k, session, min(rn_back) AS first_rn, min(ts) AS open_ts
  FROM sessions
  WHERE rn_back IS NOT NULL AND ts - ts_back <= {window_secs}
  GROUP BY kind, k, session
), burst_events AS (
  SELECT s.*
  FROM sessions s
  JOIN bursts b ON b.kind = s.kind AND b.k = s.k AND b.session = s.session
  WHERE s.rn >= b.first_rn
), burst_span AS (
  SELECT e.kind, e.k, e.session, min(b.open_ts) AS open_ts, max(e.ts) AS last_ts
  FROM burst_events e
  JOIN bursts b ON b.kind = e.kind AND b.k = e.k AND b.session = e.session
  GROUP BY e.kind, e.k, e.session
), burst_ips AS (
  SELECT DISTINCT kind, k, session, sourceipaddress FROM burst_events
), burst_successes AS (
  SELECT e.eventid, e.eventtime,
         row_number() OVER (PARTITION BY sp.kind, sp.k, sp.session
                            ORDER BY e.ts, e.eventid) AS nth
  FROM ev e
  JOIN burst_ips bi ON bi.sourceipaddress = e.sourceipaddress
  JOIN burst_span sp ON sp.kind = bi.kind AND sp.k = bi.k AND sp.session = bi.session
  WHERE json_extract_scalar(e.responseelements, '$.ConsoleLogin') = 'Success'
    AND COALESCE(e.errorcode, '') = ''
    AND e.ts >= sp.open_ts AND e.ts - sp.last_ts <= {window_secs}
), successes AS (
  -- The first success ends the burst, as in the local engine.
  SELECT DISTINCT eventid, eventtime FROM burst_successes WHERE nth = 1
)
SELECT DISTINCT eventid, eventtime, 'failure' AS role FROM burst_events
UNION
SELECT eventid, eventtime, 'success' FROM successes
ORDER BY eventtime
