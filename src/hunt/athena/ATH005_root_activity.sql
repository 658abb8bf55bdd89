-- ATH005 root-activity: calls and sign-ins by the root user, except calls AWS services make on
-- its behalf (invokedBy set). Failed calls (errorcode set) are MEDIUM, the rest HIGH.
SELECT eventid, eventtime, eventname, awsregion, sourceipaddress, errorcode,
       CASE WHEN errorcode IS NULL THEN 'HIGH' ELSE 'MEDIUM' END AS severity
FROM {table}
WHERE useridentity.type = 'Root'
  AND useridentity.invokedby IS NULL
  {time_filter}
ORDER BY eventtime
