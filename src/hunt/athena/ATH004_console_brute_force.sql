-- ATH004 console-brute-force: bursts of failed console sign-ins (responseElements.ConsoleLogin
-- = Failure, or errorcode set), per user (account + username, else ARN) and per source IP. A
-- burst opens when {threshold} failures of one key fall within {window_secs}s and takes every
-- later failure of that key less than {window_secs}s after the previous one. Rows: every
-- failure of every burst, plus a successful ConsoleLogin from one of the burst's addresses
-- within {window_secs}s of its last failure (then the burst is HIGH, else MEDIUM).
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
  SELECT kind, k, session, min(rn_back) AS first_rn
  FROM sessions
  WHERE rn_back IS NOT NULL AND ts - ts_back <= {window_secs}
  GROUP BY kind, k, session
), burst_events AS (
  SELECT s.*
  FROM sessions s
  JOIN bursts b ON b.kind = s.kind AND b.k = s.k AND b.session = s.session
  WHERE s.rn >= b.first_rn
), burst_span AS (
  SELECT kind, k, session, min(ts) AS first_ts, max(ts) AS last_ts
  FROM burst_events GROUP BY kind, k, session
), successes AS (
  SELECT DISTINCT e.eventid, e.eventtime
  FROM ev e
  JOIN burst_events b ON b.sourceipaddress = e.sourceipaddress
  JOIN burst_span sp ON sp.kind = b.kind AND sp.k = b.k AND sp.session = b.session
  WHERE json_extract_scalar(e.responseelements, '$.ConsoleLogin') = 'Success'
    AND COALESCE(e.errorcode, '') = ''
    AND e.ts >= sp.first_ts AND e.ts - sp.last_ts <= {window_secs}
)
SELECT DISTINCT eventid, eventtime, 'failure' AS role FROM burst_events
UNION
SELECT eventid, eventtime, 'success' FROM successes
ORDER BY eventtime
