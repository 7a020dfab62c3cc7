// The guide's reference data, with the corrections docs/ledger.md records:
// - Marigold is செண்டுமல்லி (the guide gave it Chrysanthemum's சாமந்தி);
// - "Late Morning" is முற்பகல் (the guide said மாலை, evening) and "Afternoon" is மதியம் (not மதியன்);
// - staff1 and FAR001 share +919876543211: kept, and that phone gets both command sets.

export const REFERENCE_USERS = [
  { email: 'admin@malar.com', fullName: 'Admin User', phone: '+919876543210', role: 'admin', languagePreference: 'en', devPassword: 'admin123' },
  { email: 'staff1@malar.com', fullName: 'Staff User 1', phone: '+919876543211', role: 'staff', languagePreference: 'ta', devPassword: 'staff123' },
] as const;

export const REFERENCE_FARMERS = [
  {
    farmerCode: 'FAR001',
    name: 'Raj Kumar',
    village: 'Madurai',
    phone: '+919876543211',
    whatsappNumber: '+919876543211',
    address: '123, Flower Street, Madurai',
  },
  {
    farmerCode: 'FAR002',
    name: 'Kumar Raja',
    village: 'Dindigul',
    phone: '+919876543212',
    whatsappNumber: '+919876543212',
    address: '456, Market Road, Dindigul',
  },
  {
    farmerCode: 'FAR003',
    name: 'Muthu Pandi',
    village: 'Trichy',
    phone: '+919876543213',
    whatsappNumber: '+919876543213',
    address: '789, Garden Lane, Trichy',
  },
] as const;

export const REFERENCE_FLOWERS = [
  { code: 'FLW001', name: 'Rose', nameTa: 'ரோஜா', description: 'Fresh red roses', unit: 'kg', aliases: ['rose', 'roses', 'roja', 'rosa', 'ரோஸ்'] },
  {
    code: 'FLW002',
    name: 'Jasmine',
    nameTa: 'மல்லிகை',
    description: 'Fragrant jasmine flowers',
    unit: 'kg',
    aliases: ['jasmine', 'malli', 'malligai', 'mallikai', 'mallige', 'மல்லி', 'மல்லிகைப்பூ'],
  },
  {
    code: 'FLW003',
    name: 'Marigold',
    nameTa: 'செண்டுமல்லி',
    description: 'Bright marigold flowers',
    unit: 'kg',
    aliases: ['marigold', 'sendumalli', 'chendumalli', 'sendu', 'chendu', 'genda', 'செண்டு', 'செண்டுப்பூ'],
  },
  {
    code: 'FLW004',
    name: 'Lotus',
    nameTa: 'தாமரை',
    description: 'Sacred lotus flowers',
    unit: 'piece',
    aliases: ['lotus', 'thamarai', 'tamarai', 'thamara'],
  },
  {
    code: 'FLW005',
    name: 'Chrysanthemum',
    nameTa: 'சாமந்தி',
    description: 'Colorful chrysanthemum',
    unit: 'kg',
    aliases: ['chrysanthemum', 'samanthi', 'chamanthi', 'sevanthi', 'sevvanthi', 'செவ்வந்தி'],
  },
] as const;

export const REFERENCE_SLOTS = [
  {
    name: 'Early Morning',
    nameTa: 'காலை',
    startTime: '04:00:00',
    endTime: '06:00:00',
    sortOrder: 1,
    aliases: ['early', 'earlymorning', 'kalai', 'kaalai', 'athikalai', 'அதிகாலை'],
  },
  {
    name: 'Morning Peak',
    nameTa: 'காலை உச்சம்',
    startTime: '06:00:00',
    endTime: '08:00:00',
    sortOrder: 2,
    aliases: ['peak', 'uchcham', 'ucham', 'உச்சம்'],
  },
  { name: 'Late Morning', nameTa: 'முற்பகல்', startTime: '08:00:00', endTime: '10:00:00', sortOrder: 3, aliases: ['late', 'latemorning', 'murpagal'] },
  {
    name: 'Afternoon',
    nameTa: 'மதியம்',
    startTime: '10:00:00',
    endTime: '14:00:00',
    sortOrder: 4,
    aliases: ['afternoon', 'noon', 'mathiyam', 'madhiyam'],
  },
  { name: 'Evening', nameTa: 'மாலை', startTime: '14:00:00', endTime: '18:00:00', sortOrder: 5, aliases: ['evening', 'eve', 'maalai', 'malai'] },
] as const;

/** The guide's rate rule: Early 150, Peak 180, Late 140, otherwise 120 (rupees per unit). */
export function referenceRate(slotName: string): string {
  if (slotName.includes('Early')) return '150.00';
  if (slotName.includes('Peak')) return '180.00';
  if (slotName.includes('Late')) return '140.00';
  return '120.00';
}

/** Sample buyers for development and demo databases (never production). */
export const SAMPLE_BUYERS = [
  { buyerCode: 'B001', name: 'Selvi Garlands', phone: '+919876543221', village: 'Madurai East Gate', creditLimit: '20000.00' },
  { buyerCode: 'B002', name: 'Meenakshi Temple Suppliers', phone: '+919876543222', village: 'Madurai', creditLimit: '10000.00' },
  { buyerCode: 'B003', name: 'Chennai Flower Exports', phone: '+919876543223', village: 'Chennai', creditLimit: null },
];
