-- ATH001 access-key-new-ip: a successful CreateAccessKey, then within {key_use_window_secs}s a
-- call signed with that key (useridentity.accesskeyid) from an IP address outside the trusted
-- CIDRs that the key's user (IAMUser, same account) was never seen at, through another key or
-- the console, at or before the creation. One finding per key for its earliest such use;
-- both event ids (creation, use) are rows. A denied use is MEDIUM, otherwise HIGH.
WITH ev AS (
  SELECT eventid, eventtime, eventname, eventsource, errorcode, sourceipaddress,
         requestparameters, responseelements, useridentity,
         to_unixtime(from_iso8601_timestamp(eventtime)) AS ts,
         COALESCE(recipientaccountid, useridentity.accountid, '?') AS account,
         TRY_CAST(sourceipaddress AS IPADDRESS) IS NOT NULL AS is_ip
  FROM {table}
  WHERE TRUE
    {time_filter}
), created AS (
  SELECT eventid AS create_id, eventtime AS created_time, ts AS created_ts, account,
         json_extract_scalar(responseelements, '$.accessKey.accessKeyId') AS key_id,
         COALESCE(json_extract_scalar(requestparameters, '$.userName'),
                  json_extract_scalar(responseelements, '$.accessKey.userName'),
                  useridentity.username) AS user_name,
         useridentity.arn AS creator
  FROM ev
  WHERE eventname = 'CreateAccessKey' AND eventsource = 'iam.amazonaws.com'
    AND COALESCE(errorcode, '') = ''
    AND json_extract_scalar(responseelements, '$.accessKey.accessKeyId') IS NOT NULL
), seen AS (
  SELECT account, useridentity.username AS user_name, sourceipaddress AS ip, ts,
         useridentity.accesskeyid AS key_id
  FROM ev
  WHERE is_ip AND useridentity.type = 'IAMUser' AND useridentity.username IS NOT NULL
), uses AS (
  SELECT c.create_id, c.created_time, c.key_id, c.user_name, c.creator,
         u.eventid AS use_id, u.eventtime AS use_time, u.sourceipaddress,
         COALESCE(u.errorcode, '') <> '' AS denied,
         row_number() OVER (PARTITION BY c.key_id ORDER BY u.ts, u.sourceipaddress) AS n
  FROM created c
  JOIN ev u ON u.useridentity.accesskeyid = c.key_id
  WHERE u.is_ip
    AND u.ts >= c.created_ts AND u.ts - c.created_ts <= {key_use_window_secs}
    AND NOT COALESCE({use_ip_trusted}, FALSE)
    AND NOT EXISTS (
      SELECT 1 FROM seen s
      WHERE s.account = c.account AND s.user_name = c.user_name
        AND s.ip = u.sourceipaddress AND s.ts <= c.created_ts
        AND (s.key_id IS NULL OR s.key_id <> c.key_id))
)
SELECT eventid, eventtime, key_id, user_name, creator, sourceipaddress, severity
FROM (
  SELECT create_id AS eventid, created_time AS eventtime, key_id, user_name, creator,
         sourceipaddress, CASE WHEN denied THEN 'MEDIUM' ELSE 'HIGH' END AS severity
  FROM uses WHERE n = 1
  UNION ALL
  SELECT use_id, use_time, key_id, user_name, creator, sourceipaddress,
         CASE WHEN denied THEN 'MEDIUM' ELSE 'HIGH' END
  FROM uses WHERE n = 1
) f
ORDER BY key_id, eventtime
