/** What a token may do, in d1's shape. */
export interface Permission {
  id: number;
  user_id: number;
  work_node_id: number;
  read_access: boolean;
  write_access: boolean;
}

/** The access a route needs. */
export type Access = 'public' | 'read' | 'write';

/** A permission with only the two flags set; ids are d1's superuser -1. */
export function permission(read: boolean, write: boolean): Permission {
  return { id: -1, user_id: -1, work_node_id: -1, read_access: read || write, write_access: write };
}

/** Whether `p` grants `access`. */
export function allows(p: Permission, access: Access): boolean {
  if (access === 'public') return true;
  if (access === 'write') return p.write_access;
  return p.read_access || p.write_access;
}
