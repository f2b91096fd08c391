/** CSV samples shared by the codec specs (anonymised, in the layouts the bus meets). */

/** Asterisk cdr_csv's Master.csv: no header, every field quoted, quotes doubled. */
export const MASTER_CSV_COLUMNS = [
  'accountcode', 'src', 'dst', 'dcontext', 'clid', 'channel', 'dstchannel', 'lastapp', 'lastdata',
  'start', 'answer', 'end', 'duration', 'billsec', 'disposition', 'amaflags', 'uniqueid', 'userfield',
];

export const MASTER_CSV = [
  '"10001","+4935112345","8812","conferences","""Ada Lovelace"" <+4935112345>","SIP/trunk-00000001","","ConfBridge","8812,default_bridge","2026-12-03 15:00:02","2026-12-03 15:00:05","2026-12-03 15:45:05","2703","2700","ANSWERED","DOCUMENTATION","1764770402.17",""',
  '"10001","+4930999","8812","conferences","<+4930999>","SIP/trunk-00000002","","ConfBridge","8812,default_bridge","2026-12-03 15:01:00","","2026-12-03 15:01:30","30","0","NO ANSWER","DOCUMENTATION","1764770460.18",""',
].join('\n') + '\n';
