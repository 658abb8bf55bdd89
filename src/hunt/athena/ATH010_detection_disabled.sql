-- ATH010 detection-disabled: GuardDuty detector deleted, disassociated or disabled
-- (UpdateDetector enable=false), members removed; Config recorder stopped/deleted or
-- delivery channel deleted; Security Hub or its standards disabled. Failed calls are LOW.
SELECT eventid, eventtime, eventsource, eventname, awsregion, sourceipaddress,
       useridentity.arn AS principal,
       CASE WHEN COALESCE(errorcode, '') = '' THEN 'HIGH' ELSE 'LOW' END AS severity
FROM {table}
WHERE (
    (eventsource = 'guardduty.amazonaws.com'
     AND (eventname IN ('DeleteDetector', 'DisassociateFromMasterAccount',
                        'DisassociateFromAdministratorAccount', 'DeleteMembers',
                        'StopMonitoringMembers')
          OR (eventname = 'UpdateDetector'
              AND json_format(json_extract(requestparameters, '$.enable')) = 'false')))
    OR (eventsource = 'config.amazonaws.com'
        AND eventname IN ('StopConfigurationRecorder', 'DeleteConfigurationRecorder',
                          'DeleteDeliveryChannel'))
    OR (eventsource = 'securityhub.amazonaws.com'
        AND eventname IN ('DisableSecurityHub', 'BatchDisableStandards'))
  )
  {time_filter}
ORDER BY eventtime
