import { SetMetadata } from '@nestjs/common';
import type { AdminRole } from './admin-principals';

export const ROLE_KEY = 'bus:admin-role';

/** The least role an admin route needs; a route without it needs `admin` (closed unless opened on purpose). */
export const Role = (role: AdminRole) => SetMetadata(ROLE_KEY, role);
