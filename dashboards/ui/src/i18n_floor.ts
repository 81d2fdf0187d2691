// The floor strings (issue 10). English first; the Chinese object must have every key.
export const floorEn = {
} as const;

export const floorZh: Record<keyof typeof floorEn, string> = {
};
