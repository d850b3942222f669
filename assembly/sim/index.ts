// The deterministic simulation family: the reference game step and what rollback needs around
// it (region copies for the snapshot ring, the hitbox history of lag compensation).

export { region_copy } from './copy';
export { sim_step, sim_arm_npcs } from './step';
export { sim_scratch_bytes } from './grid';
export { hitbox_record, hitbox_raycast, hitbox_raycast_slots } from './hitbox';
